"""Run a circom witness generator (WebAssembly) in-process with wasmtime: no node at run time.

The module is circom's ``<circuit>_js/<circuit>.wasm`` (circom 2.x interface): inputs are written into its shared
read-write memory and set by the FNV-1a hash of their name, the witness is read back value by value from the same
memory (``getSharedRWMemoryStart`` + one read of the element). A constraint that does not hold makes the module call
``exceptionHandler(4)`` ("Assert Failed"): :class:`WitnessError` then says which.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import wasmtime

from ._field import FIELD_MODULUS

__all__ = ["WitnessCalculator", "WitnessError"]

_CODES = {
    1: "signal not found",
    2: "too many signals set",
    3: "signal already set",
    4: "a constraint of the circuit does not hold (assert failed)",
    5: "not enough memory",
    6: "input signal array access exceeds its size",
    7: "out of bounds array access",
}
_MASK32 = 0xFFFFFFFF
#: a helper module linked to the witness generator: copies the whole witness into a buffer in one call (a loop of
#: getWitness + memory.copy inside wasm), so that Python reads it with one memory read instead of ~450 calls
_DUMP_WAT = """
(module
  (import "c" "memory" (memory 1))
  (import "c" "getWitness" (func $get (param i32)))
  (import "c" "getSharedRWMemoryStart" (func $start (result i32)))
  (func (export "dump") (param $n i32) (param $out i32) (param $n8 i32)
    (local $i i32) (local $src i32)
    (local.set $src (call $start))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $get (local.get $i))
        (memory.copy
          (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $n8))) (local.get $src) (local.get $n8))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
"""
_FUNCTIONS = (
    "getFieldNumLen32",
    "getRawPrime",
    "getSharedRWMemoryStart",
    "getWitnessSize",
    "getInputSize",
    "getInputSignalSize",
    "setInputSignal",
    "init",
    "getWitness",
    "getMessageChar",
)


class WitnessError(Exception):
    """The witness generator refused the inputs; ``code`` is circom's exception code (4: a constraint failed)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Trap(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _fnv1a64(name: str) -> tuple[int, int]:
    h = 0xCBF29CE484222325
    for ch in name.encode("utf-8"):
        h = ((h ^ ch) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h >> 32, h & _MASK32


class WitnessCalculator:
    """One compiled circuit's witness generator; thread-safe (one instance runs at a time)."""

    def __init__(self, wasm: bytes | Path) -> None:
        self._engine = wasmtime.Engine()
        data = wasm.read_bytes() if isinstance(wasm, Path) else wasm
        self._module = wasmtime.Module(self._engine, data)
        self._dump_module = wasmtime.Module(self._engine, _DUMP_WAT)
        self._lock = threading.Lock()
        self._messages: list[str] = []
        self._reset()
        self.n8 = 4 * self._call("getFieldNumLen32")
        self._call("getRawPrime")
        start = self._call("getSharedRWMemoryStart")
        prime = int.from_bytes(self._memory.read(self._store, start, start + self.n8), "little")
        if prime != FIELD_MODULUS:
            raise ValueError("the witness generator was compiled for another field than BLS12-381's scalar field")
        self.witness_size = self._call("getWitnessSize")
        self.input_size = self._call("getInputSize")
        self._grow_buffer()

    def _grow_buffer(self) -> None:
        pages = -(-self.witness_size * self.n8 // 65536)
        self._buffer = self._memory.grow(self._store, pages) * 65536

    def _reset(self) -> None:
        self._store = wasmtime.Store(self._engine)
        self._instance = self._instantiate(self._store)
        exports = self._instance.exports(self._store)
        memory = exports["memory"]
        if not isinstance(memory, wasmtime.Memory):
            raise ValueError("the witness generator exports no memory")
        self._memory = memory
        self._f: dict[str, wasmtime.Func] = {}
        for name in _FUNCTIONS:
            func = exports[name]
            if not isinstance(func, wasmtime.Func):
                raise ValueError(f"the witness generator exports no function {name}")
            self._f[name] = func
        dump = wasmtime.Instance(
            self._store, self._dump_module, [memory, self._f["getWitness"], self._f["getSharedRWMemoryStart"]]
        ).exports(self._store)["dump"]
        assert isinstance(dump, wasmtime.Func)
        self._dump = dump
        self._buffer = 0  # where the witness is copied: pages added past the generator's own memory

    def _call(self, name: str, *args: int) -> int:
        result = self._f[name](self._store, *args)
        return int(result) & _MASK32 if isinstance(result, int) else 0

    def _instantiate(self, store: wasmtime.Store) -> wasmtime.Instance:
        i32 = wasmtime.ValType.i32()

        def exception_handler(code: int) -> None:
            raise _Trap(code)

        def message() -> None:
            self._messages.append(self._message())

        imports = [
            wasmtime.Func(store, wasmtime.FuncType([i32], []), exception_handler),
            wasmtime.Func(store, wasmtime.FuncType([], []), message),
            wasmtime.Func(store, wasmtime.FuncType([], []), message),
            wasmtime.Func(store, wasmtime.FuncType([], []), lambda: None),
        ]
        names = [imp.name for imp in self._module.imports]
        order = ["exceptionHandler", "printErrorMessage", "writeBufferMessage", "showSharedRWMemory"]
        return wasmtime.Instance(store, self._module, [imports[order.index(n or "")] for n in names])

    def _message(self) -> str:
        chars: list[str] = []
        while (c := self._call("getMessageChar")) != 0 and len(chars) < 4096:
            chars.append(chr(c))
        return "".join(chars)

    def calculate(self, inputs: Mapping[str, int | Sequence[int]]) -> list[int]:
        """The full witness (wire 0 is the constant 1) for ``inputs`` (signal name -> value or list of values)."""
        with self._lock:
            self._messages.clear()
            try:
                return self._calculate(inputs)
            except _Trap as trap:
                self._reset()  # a trap may leave the instance in any state
                self._grow_buffer()
                detail = " ".join(m.strip() for m in self._messages if m.strip())
                text = _CODES.get(trap.code, f"error code {trap.code}")
                raise WitnessError(trap.code, text + (f" ({detail})" if detail else "")) from None
            except wasmtime.WasmtimeError as exc:
                self._reset()
                self._grow_buffer()
                cause = exc.__cause__ if isinstance(exc.__cause__, _Trap) else None
                if cause is not None:
                    text = _CODES.get(cause.code, f"error code {cause.code}")
                    raise WitnessError(cause.code, text) from None
                raise WitnessError(0, f"the witness generator trapped: {exc}") from exc

    def _calculate(self, inputs: Mapping[str, int | Sequence[int]]) -> list[int]:
        store = self._store
        self._call("init", 1)
        start = self._call("getSharedRWMemoryStart")
        count = 0
        for name, value in inputs.items():
            values = [value] if isinstance(value, int) else list(value)
            hi, lo = _fnv1a64(name)
            size = self._f["getInputSignalSize"](store, hi, lo)
            if not isinstance(size, int) or size < 0:
                raise WitnessError(1, f"the circuit has no input signal {name!r}")
            if size != len(values):
                raise WitnessError(6, f"input {name!r} takes {size} values, got {len(values)}")
            for pos, v in enumerate(values):
                self._memory.write(store, (v % FIELD_MODULUS).to_bytes(self.n8, "little"), start)
                self._f["setInputSignal"](store, hi, lo, pos)
                count += 1
        if count < self.input_size:
            raise WitnessError(2, f"only {count} of the circuit's {self.input_size} input values were given")
        n8, size = self.n8, self.witness_size
        self._dump(store, size, self._buffer, n8)
        raw = self._memory.read(store, self._buffer, self._buffer + size * n8)
        return [int.from_bytes(raw[i : i + n8], "little") for i in range(0, size * n8, n8)]
