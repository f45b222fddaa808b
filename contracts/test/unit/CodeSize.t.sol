// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";

/// @notice Every deployable contract under contracts/src fits EIP-170 (24,576 bytes of runtime code) with a margin,
/// so it deploys on mainnet without `--disable-code-size-limit` and has room for fixes. The sizes are those of the
/// build's artifacts (`forge build --sizes` prints the same numbers).
contract CodeSizeTest is Test {
    uint256 internal constant EIP170_LIMIT = 24_576;
    /// @dev Growth past this margin fails the suite before it fails a deployment.
    uint256 internal constant MIN_MARGIN = 1024;

    function test_SrcContractsFitEip170WithMargin() public view {
        string[5] memory artifacts = [
            "OptionsVault.sol:OptionsVault",
            "OptionsBook.sol:OptionsBook",
            "OptionsVaultLens.sol:OptionsVaultLens",
            "OracleAdapter.sol:OracleAdapter",
            "BlackScholes.sol:BlackScholes"
        ];
        for (uint256 i = 0; i < artifacts.length; ++i) {
            uint256 size = vm.getDeployedCode(artifacts[i]).length;
            assertGt(size, 0, artifacts[i]);
            assertLe(size + MIN_MARGIN, EIP170_LIMIT, string.concat(artifacts[i], " exceeds EIP-170 minus the margin"));
        }
    }
}
