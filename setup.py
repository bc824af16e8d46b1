"""The compiled level stores, built with the machine's C compiler: the float store
(src/tradeport/book/_levels.c) and the text store of checksummed books
(src/tradeport/book/_text_levels.c). `optional`: without a compiler the install still
succeeds and the book uses the pure-Python stores (`tradeport doctor` says which are
active)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tradeport.book._levels",
            ["src/tradeport/book/_levels.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "tradeport.book._text_levels",
            ["src/tradeport/book/_text_levels.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
