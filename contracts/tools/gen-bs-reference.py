#!/usr/bin/env python3
"""Prints the double-precision reference table embedded in contracts/test/unit/BlackScholes.t.sol.

Black-Scholes with r = 0 evaluated with Python floats (IEEE double) and math.erfc, an implementation independent of
the Solidity library's Hart approximation. Values are printed as 18-decimal integers.
"""
import math
from decimal import Decimal

YEAR = 365 * 24 * 3600


def ncdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def bs(is_call, s, k, vol, tau):
    t = tau / YEAR
    vst = vol * math.sqrt(t)
    d1 = (math.log(s / k) + 0.5 * vst * vst) / vst
    d2 = d1 - vst
    delta = ncdf(d1) if is_call else ncdf(d1) - 1.0
    gamma = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) / (s * vst)
    price = s * ncdf(d1) - k * ncdf(d2) if is_call else k * ncdf(-d2) - s * ncdf(-d1)
    return delta, gamma, price


def wad(x):
    return int(Decimal(repr(x)) * 10**18)


def wad_float(x):
    return int(round(x * 1e18))


cases = []
for s, k in [(3000, 3000), (3000, 2500), (3000, 3600), (1.5, 1.2), (60000, 75000), (3000, 1000), (3000, 9000)]:
    for vol in [0.2, 0.8, 1.5]:
        for tau in [3600, 7 * 86400, 30 * 86400, 365 * 86400]:
            for is_call in (True, False):
                cases.append((is_call, s, k, vol, tau))

print("        // isCall, spot, strike, vol, tau, delta, gamma, price (double precision, 18 decimals)")
for c in cases:
    d, g, p = bs(*c)
    is_call, s, k, vol, tau = c
    print(f"        _case({str(is_call).lower()}, {wad(s)}, {wad(k)}, {wad(vol)}, {tau}, {wad_float(d)}, {wad_float(g)}, {wad_float(p)});")
