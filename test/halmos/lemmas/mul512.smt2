; OpenZeppelin's Math.mul512(x, y), which Math.mulDiv starts with: the high word is zero exactly when x * y < 2**256,
; and then the low word is x * y. Used by the halmos tests that take mulDiv's no-high-word branch
; (ResourceMarket.t.sol check_mulDivCeilWhenTheProductFits, Slashing.t.sol check_slashSplitWhenTheProductsFit):
; they prove mulDiv's result when high == 0; the lemmas that use them show the products there are below 2**256.
(set-logic QF_NIA)
(define-fun W () Int 115792089237316195423570985008687907853269984665640564039457584007913129639936)

; Math.mul512: mm = mulmod(x, y, W - 1), low = x * y mod W, high = mm - low - (mm < low) mod W.
;    With p = x * y written as p = h * W + l (0 <= l < W, 0 <= h <= W - 2 since p <= (W - 1) ** 2):
(push 1)
(declare-const h Int)
(declare-const l Int)
(define-fun p () Int (+ (* h W) l))
(assert (and (<= 0 l) (< l W) (<= 0 h) (<= h (- W 2))))
(define-fun mm () Int (mod p (- W 1)))
(define-fun low () Int (mod p W))
(define-fun high () Int (mod (- (- mm low) (ite (< mm low) 1 0)) W))
; 1a. W = 1 modulo W - 1, so p mod (W - 1) = (h + l) mod (W - 1)
(push 1)
(assert (not (= mm (mod (+ h l) (- W 1)))))
(check-sat)
(pop 1)
(assert (= mm (mod (+ h l) (- W 1))))
; 1b. the words are the quotient and remainder by W, so high == 0 exactly when p < W
(assert (not (and (= low l) (= high h) (=> (= high 0) (and (< p W) (= low p))))))
(check-sat)
(pop 1)

