; The price of a buy on the bonding curve never decreases with the amount bought (ResourceMarket.quoteBuy / buy),
; wherever basePrice * numerator fits 256 bits (every amount of a curve whose base price times its largest numerator
; stays below 2**256: with the seed's default steepness, any base price below 2**61 wei per whole token).
;
; The links, each proven by halmos on the compiled code (test/halmos/ResourceMarket.t.sol), for all inputs:
;   check_buyCostIsTheCurveIntegral:   quoteBuy(amount) == Math.mulDiv(basePrice, n, D, Ceil) with
;                                      k2 = steepness * 2e18, n = amount * (k2 + 2 * reserve + amount), D = k2 * 1e18
;   check_mulDivCeilWhenTheProductFits: when OpenZeppelin's mul512(x, y) has high == 0,
;                                      Math.mulDiv(x, y, d, Ceil) == low / d + (mulmod(x, y, d) > 0 ? 1 : 0)
; and here, over the integers (W = 2**256):
;   mul512.smt2: mul512's high word is floor(x * y / W), so high == 0 exactly when x * y < W, and low == x * y;
;   goal 1: nothing in n or D wraps for uint80 curve fields and uint96 reserve and amount, and n grows with amount;
;   goal 2: ceil(b * n / d) grows with n (for b * n below W), and its "+ 1" never wraps.
; So for a1 <= a2 with basePrice * n(a2) < W: n(a1) <= n(a2), both products fit, both quotes are the exact ceilings,
; and quoteBuy(a1) <= quoteBuy(a2).
(set-logic QF_NIA)
(define-fun W () Int 115792089237316195423570985008687907853269984665640564039457584007913129639936)

; 1. the numerator: no wrap within the types, and monotonic in the amount
(push 1)
(declare-const steepness Int)
(declare-const reserve Int)
(declare-const a1 Int)
(declare-const a2 Int)
(define-fun k2 () Int (* steepness 2000000000000000000))
(define-fun n1 () Int (* a1 (+ k2 (* 2 reserve) a1)))
(define-fun n2 () Int (* a2 (+ k2 (* 2 reserve) a2)))
(assert (and (< 0 steepness) (< steepness 1208925819614629174706176)))
(assert (and (<= 0 reserve) (< reserve 79228162514264337593543950336)))
(assert (and (<= 0 a1) (<= a1 a2) (< a2 79228162514264337593543950336)))
(assert (not (and (< k2 W) (< (* k2 1000000000000000000) W) (< (+ k2 (* 2 reserve) a2) W) (< n2 W) (<= n1 n2))))
(check-sat)
(pop 1)

; 2. the rounded-up quotient is monotonic in the numerator
(push 1)
(declare-const b Int)
(declare-const d Int)
(declare-const m1 Int)
(declare-const m2 Int)
(define-fun ceil1 () Int (+ (div (* b m1) d) (ite (> (mod (* b m1) d) 0) 1 0)))
(define-fun ceil2 () Int (+ (div (* b m2) d) (ite (> (mod (* b m2) d) 0) 1 0)))
(assert (and (<= 0 b) (< 0 d) (<= 0 m1) (<= m1 m2) (< (* b m2) W)))
(assert (not (and (<= ceil1 ceil2) (< ceil2 W))))
(check-sat)
(pop 1)
