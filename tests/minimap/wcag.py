"""WCAG 2 contrast between two measured colours, for the tests that read text off pixels."""

from __future__ import annotations


def luminance(rgb: tuple[int, ...]) -> float:
    """Relative luminance of an sRGB colour (extra channels, such as alpha, are ignored)."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The contrast ratio of ``a`` and ``b``, from 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
