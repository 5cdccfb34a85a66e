; LiquidityPool.swap never decreases the constant product k = reserve0 * reserve1.
;
; What the contract computes (proven bit for bit by halmos, LiquidityPool.t.sol check_swapIsTheConstantProductFormula,
; for all reserves and inputs below 2**104 in both directions, with no step wrapping around 2**256):
;   out = (in * 997) * rOut / (rIn * 1000 + in * 997)      (LiquidityPool._getAmountOut, floor division)
;   new reserves: rIn + in and rOut - out
; Over the integers, with q the floor quotient (q * d <= n < (q + 1) * d, d > 0):
(set-logic QF_NIA)
(declare-const rIn Int)
(declare-const rOut Int)
(declare-const in Int)
(declare-const q Int)
(define-fun n () Int (* (* in 997) rOut))
(define-fun d () Int (+ (* rIn 1000) (* in 997)))
; the contract refuses empty reserves and a zero input (PoolNoLiquidity, PoolZeroAmount)
(assert (> rIn 0))
(assert (> rOut 0))
(assert (> in 0))
(assert (<= (* q d) n))
(assert (< n (* (+ q 1) d)))

; 0. no step of the formula reaches 2**256 when both reserves and the input are below 2**104 (uint104), so the
;    contract's 256-bit words hold these integers exactly (goals 1 and 2 hold for all positive integers)
(push 1)
(define-fun B () Int 20282409603651670423947251286016)
(assert (and (< rIn B) (< rOut B) (< in B)))
(define-fun W () Int 115792089237316195423570985008687907853269984665640564039457584007913129639936)
(assert (not (and (< (* in 997) W) (< n W) (< (* rIn 1000) W) (< d W) (< (+ rIn in) W))))
(check-sat)
(pop 1)

; 1. the output never exceeds the reserve it is paid from, so rOut - out is the new reserve (no underflow)
(push 1)
(assert (not (and (<= 0 q) (< q rOut))))
(check-sat)
(pop 1)

; 2. k never decreases
(push 1)
(assert (not (>= (* (+ rIn in) (- rOut q)) (* rIn rOut))))
(check-sat)
(pop 1)
