; StakeManager's slashSplit takes exactly the configured share of the stake, within the stake, and the reporter's
; reward is exactly its share of the slash, within the slash (for every stake and every rate pair the contract accepts).
;
; The links, proven by halmos on the compiled code: Slashing.t.sol check_slashSplitWhenTheProductsFit (for all
; inputs: when mul512's high words are zero, slashed = low(stake * rate) / 10,000 + (mulmod(stake, rate, 10,000) > 0)
; and reward = low(slashed * rewardBps) / 10,000), and mul512.smt2 (the high word is zero exactly when the product is
; below 2**256, and then the low word is the product). Here, over the integers, for the contract's types:
; bonded and unbonding each below 2**96, both rates at most 10,000 (`setParameters` refuses more).
(set-logic QF_NIA)
(define-fun W () Int 115792089237316195423570985008687907853269984665640564039457584007913129639936)
(declare-const bonded Int)
(declare-const unbonding Int)
(declare-const rate Int)
(declare-const rewardBps Int)
(define-fun stake () Int (+ bonded unbonding))
(assert (and (<= 0 bonded) (< bonded 79228162514264337593543950336)))
(assert (and (<= 0 unbonding) (< unbonding 79228162514264337593543950336)))
(assert (and (<= 0 rate) (<= rate 10000) (<= 0 rewardBps) (<= rewardBps 10000)))
(define-fun slashed () Int (+ (div (* stake rate) 10000) (ite (> (mod (* stake rate) 10000) 0) 1 0)))
(define-fun reward () Int (div (* slashed rewardBps) 10000))

; 1. the stake fits its word and stake * rate is below 2**256 (so the slash takes mulDiv's no-high-word branch)
(push 1)
(assert (not (and (< stake W) (< (* stake rate) W))))
(check-sat)
(pop 1)

; 2. the slash is the exact share rounded up, at most the stake, and its "+ 1" does not wrap
(push 1)
(assert (not (and (>= (* slashed 10000) (* stake rate)) (< (* (- slashed 1) 10000) (* stake rate))
                  (<= slashed stake) (< slashed W))))
(check-sat)
(pop 1)
(assert (and (<= 0 slashed) (<= slashed stake)))

; 3. slashed * rewardBps is below 2**256, and the reward is the exact share rounded down, at most the slash
(push 1)
(assert (not (and (< (* slashed rewardBps) W) (<= (* reward 10000) (* slashed rewardBps))
                  (> (* (+ reward 1) 10000) (* slashed rewardBps)) (<= 0 reward) (<= reward slashed))))
(check-sat)
(pop 1)
