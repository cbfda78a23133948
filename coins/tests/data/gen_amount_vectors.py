#!/usr/bin/env python3
"""Prints amount_vectors.json: decimal amount texts and what they are worth
in smallest units (or why they are refused), computed with Python's decimal
module as an implementation independent of skyx's parser.

Usage: python3 coins/tests/data/gen_amount_vectors.py > coins/tests/data/amount_vectors.json
"""
import decimal
import json
import random
import re

MAX_TEXT_LEN = 128
U64_MAX = 2**64 - 1
PLAIN = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
JSON = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
CTX = decimal.Context(prec=400, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def expected(text, decimals, grammar):
    if len(text.encode()) > MAX_TEXT_LEN:
        return {"error": "too_long"}
    pattern = PLAIN if grammar == "plain" else JSON
    if not pattern.match(text):
        return {"error": "syntax"}
    d = decimal.Decimal(text)
    if d.is_zero():
        return {"units": "0"}
    if d < 0:
        return {"error": "negative"}
    # Exact: the inputs have far fewer digits than the context's precision.
    n = d.normalize(CTX)
    if n.as_tuple().exponent + decimals < 0:
        return {"error": "too_many_decimals"}
    if n.adjusted() + decimals > 40:
        return {"error": "too_large"}
    units = int(CTX.scaleb(n, decimals))
    if units > U64_MAX:
        return {"error": "too_large"}
    return {"units": str(units)}


def random_text(rng):
    sign = rng.choice(["", "", "", "-", "+"])
    whole = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 22)))
    frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 12)))
    point = rng.choice([".", ".", ""]) if frac else rng.choice([".", ""])
    mantissa = whole + point + (frac if point else "")
    exp = ""
    if rng.random() < 0.3:
        exp = rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 30))
    if rng.random() < 0.03:
        exp = "e" + rng.choice(["-", ""]) + str(rng.randint(10**8, 10**10))
    text = sign + mantissa + exp
    if rng.random() < 0.05 and text:
        i = rng.randrange(len(text))
        text = text[:i] + rng.choice(" x._e-+") + text[i:]
    return text


def main():
    rng = random.Random(20261115)
    fixed = [
        "0", "0.", ".0", ".", "", "-", "+", "-0", "+0", "-0.000", "1", "1.5", ".5", "3.",
        "0.1", "21", "1.00000001", "1.000000001", "0.123456780", "0.0000010", "0.0000001",
        "1e-05", "1.5E-4", "2e1", "2E+1", "0e99", "1e-2000000000", "1e2000000000",
        "18446744073709551615", "184467440737.09551615", "184467440737.09551616",
        "18446744073709.551615", "18446744073709.551616", "1e", "e1", "1e+", "1.2.3",
        "00001.10000", "1_000", " 1", "1 ", "0x10", "1,5", "-1", "-1e-30", "9" * 129,
        "0." + "0" * 126, "1" + "0" * 40 + "e-40", "12345678901234567890e-12",
    ]
    texts = fixed + [random_text(rng) for _ in range(1000)]
    vectors = []
    for text in texts:
        for decimals in (6, 8):
            for grammar in ("plain", "json"):
                v = {"text": text, "decimals": decimals, "grammar": grammar}
                v.update(expected(text, decimals, grammar))
                vectors.append(v)
    print("[")
    print(",\n".join(json.dumps(v, separators=(",", ":")) for v in vectors))
    print("]")


if __name__ == "__main__":
    main()
