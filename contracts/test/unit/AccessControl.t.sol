// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IOptionsVault} from "../../src/interfaces/IOptionsVault.sol";
import {VaultTestBase} from "../utils/VaultTestBase.sol";

/// @notice Every external, state-changing selector that is not open to the public, called by random callers: each
/// must revert with AccessControlUnauthorizedAccount naming the caller and the one role that guards it.
contract AccessControlTest is VaultTestBase {
    struct Guarded {
        bytes call;
        bytes32 role;
    }

    function _guardedCalls() internal view returns (Guarded[] memory g) {
        bytes32 adminRole = vault.DEFAULT_ADMIN_ROLE();
        g = new Guarded[](11);
        g[0] = Guarded(abi.encodeCall(IOptionsVault.rebalance, (_params(true, 1e6))), vault.KEEPER_ROLE());
        g[1] = Guarded(abi.encodeCall(IOptionsVault.createSeries, (true, 3000e18, block.timestamp + 1 days, 1e18)), vault.WRITER_ROLE());
        g[2] = Guarded(abi.encodeCall(IOptionsVault.write, (1, 1e18, 1e9, buyer)), vault.WRITER_ROLE());
        g[3] = Guarded(abi.encodeCall(IOptionsVault.setVol, (1, 1e18)), vault.VOL_SETTER_ROLE());
        g[4] = Guarded(abi.encodeCall(IOptionsVault.setDeltaBudget, (keeper, 1e30)), adminRole);
        g[5] = Guarded(abi.encodeCall(IOptionsVault.setRebalanceConfig, (_defaultRebalanceConfig())), adminRole);
        g[6] = Guarded(abi.encodeCall(IOptionsVault.setDeltaConfig, (_defaultDeltaConfig())), adminRole);
        g[7] = Guarded(abi.encodeCall(IOptionsVault.setWriteConfig, (_defaultWriteConfig())), adminRole);
        g[8] = Guarded(abi.encodeCall(IOptionsVault.pause, ()), vault.GUARDIAN_ROLE());
        g[9] = Guarded(abi.encodeCall(IOptionsVault.unpause, ()), adminRole);
        g[10] = Guarded(abi.encodeCall(IAccessControl.grantRole, (vault.KEEPER_ROLE(), address(0xbad))), adminRole);
    }

    function testFuzz_RevertWhen_CallerLacksRole(address caller, uint256 which) public {
        Guarded[] memory g = _guardedCalls();
        Guarded memory c = g[bound(which, 0, g.length - 1)];
        vm.assume(!vault.hasRole(c.role, caller));
        vm.prank(caller);
        (bool ok, bytes memory reason) = address(vault).call(c.call);
        assertFalse(ok, "a caller without the role got through");
        assertEq(
            reason, abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, c.role)
        );
    }

    function test_EachRoleHolderPassesOnlyItsOwnGate() public {
        address[5] memory holders = [admin, guardian, keeper, writer, volSetter];
        Guarded[] memory g = _guardedCalls();
        for (uint256 i = 0; i < g.length; ++i) {
            for (uint256 h = 0; h < holders.length; ++h) {
                if (vault.hasRole(g[i].role, holders[h])) continue;
                uint256 snapshot = vm.snapshotState();
                vm.prank(holders[h]);
                (bool ok, bytes memory reason) = address(vault).call(g[i].call);
                assertFalse(ok);
                assertEq(
                    reason,
                    abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, holders[h], g[i].role)
                );
                vm.revertToState(snapshot);
            }
        }
    }

    /// @notice The selectors open to anyone are exactly the ERC-4626/ERC-20 user functions, settle and claim: listed
    /// here so a new external function must be classified on purpose.
    function test_GuardedSelectorListIsComplete() public view {
        Guarded[] memory g = _guardedCalls();
        assertEq(g.length, 11);
        // IOptionsVault's state-changing functions: rebalance, createSeries, write, setVol, setDeltaBudget,
        // setRebalanceConfig, setDeltaConfig, setWriteConfig, pause, unpause (guarded) and settle, claim (public).
        assertEq(vault.getRoleAdmin(vault.KEEPER_ROLE()), vault.DEFAULT_ADMIN_ROLE());
        assertEq(vault.getRoleAdmin(vault.GUARDIAN_ROLE()), vault.DEFAULT_ADMIN_ROLE());
    }
}
