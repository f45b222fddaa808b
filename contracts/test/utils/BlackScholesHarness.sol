// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {BlackScholes} from "../../src/libraries/BlackScholes.sol";

/// @notice Exposes the internal library functions externally (revert expectations, gas measurement).
contract BlackScholesHarness {
    function delta(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 tau) external pure returns (int256) {
        return BlackScholes.delta(isCall, spot, strike, vol, tau);
    }

    function greeks(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 tau)
        external
        pure
        returns (BlackScholes.Greeks memory)
    {
        return BlackScholes.greeks(isCall, spot, strike, vol, tau);
    }

    function price(bool isCall, uint256 spot, uint256 strike, uint256 vol, uint256 tau)
        external
        pure
        returns (uint256)
    {
        return BlackScholes.price(isCall, spot, strike, vol, tau);
    }

    function normCdf(int256 x) external pure returns (int256) {
        return BlackScholes.normCdf(x);
    }

    function ln(int256 x) external pure returns (int256) {
        return BlackScholes.ln(x);
    }

    function exp(int256 x) external pure returns (int256) {
        return BlackScholes.exp(x);
    }
}
