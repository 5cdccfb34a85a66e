"""The one compiled part: the L2's hot paths in C (``src/novacron_chain/l2/_native.c``: keccak256, the state tree's
commit, the recovery workers' loop).

Everything else is declared in pyproject.toml. The extension is optional: where no C compiler is found the install
goes on without it and the same steps run in Python (``novacron_chain.l2._tree.KECCAK_BACKEND`` then says "pysha3",
not "native"). The tests check that CI's build has it.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "novacron_chain.l2._native",
            ["src/novacron_chain/l2/_native.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
