"""The compiled level store (src/tradeport/book/_levels.c), built with the machine's C
compiler. `optional`: without a compiler the install still succeeds and the book uses
its pure-Python store (`tradeport doctor` says which one is active)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tradeport.book._levels",
            ["src/tradeport/book/_levels.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
