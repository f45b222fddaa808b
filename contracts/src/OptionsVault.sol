// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {IOptionsVault} from "./interfaces/IOptionsVault.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {BlackScholes} from "./libraries/BlackScholes.sol";
import {FeedReader} from "./libraries/FeedReader.sol";
import {OptionsBook} from "./libraries/OptionsBook.sol";
import {VaultMath} from "./libraries/VaultMath.sol";

/// @title OptionsVault
/// @notice ERC-4626 vault over the quote asset that writes cash-settled European options and lets a keeper hedge
/// their delta on Uniswap V3 only within bounds the vault enforces itself. See `IOptionsVault` for the units and the
/// collateral rule, and contracts/README.md for the threat model. Derived read-only views (rebalance bounds,
/// portfolio delta, collateral values, fair premium) live in `OptionsVaultLens`, which uses the same `VaultMath`.
/// @dev Share accounting: `totalAssets()` is the book's net asset value at the oracle price,
///     quote + underlying * S - reservedPayouts - sum of Black-Scholes marks of open series,
/// and a virtual offset of 10^6 shares (OpenZeppelin's `_decimalsOffset`) makes donation/inflation attacks cost the
/// attacker a million times what they could take. Every share conversion rounds in the vault's favour: deposit and
/// redeem round down, mint and withdraw round up (OpenZeppelin ERC4626); assets are valued rounded down and
/// liabilities rounded up.
///
/// Storage is laid out by access pattern, not by configuration struct: everything `rebalance` reads before the swap
/// except the target and the book sits in one slot (`_risk`: limits, collateral band, pause flag, last rebalance
/// time), the hedging target in a second, each keeper's delta budget together with its copy of the KEEPER_ROLE bit in
/// a third (so the role check costs no extra slot), the book's header (reserved payouts, series count, open count) in
/// another, and the open series ids are packed eight to a slot. A rebalance over one open series reads seven cold
/// vault slots in all. The hot path calls no contract of its own: the oracle feed is read directly with the adapter's
/// rules (`FeedReader`), the book scan is compiled in (`OptionsBook.scanInline`), and the pool is read with raw static
/// calls; only the admin, writer and ERC-4626 paths DELEGATECALL into `OptionsBook`.
contract OptionsVault is IOptionsVault, ERC4626, AccessControl, ReentrancyGuardTransient {
    using OptionsBook for OptionsBook.Book;
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice May pause.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May call `rebalance`, within its delta budget.
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice May create series and write options.
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");
    /// @notice May set implied volatilities within [minVol, maxVol].
    bytes32 public constant VOL_SETTER_ROLE = keccak256("VOL_SETTER_ROLE");

    /// @notice Most series open (not settled) at once; bounds the gas of every book scan.
    uint256 public constant MAX_OPEN_SERIES = OptionsBook.MAX_OPEN_SERIES;

    uint256 private constant BPS = VaultMath.BPS;
    uint8 private constant DECIMALS_OFFSET = 6;

    /// @notice Constructor arguments.
    struct InitParams {
        IERC20Metadata quote;
        IERC20Metadata underlying;
        IOracleAdapter oracle;
        ISwapRouter router;
        IUniswapV3Pool pool;
        address admin;
        string name;
        string symbol;
        RebalanceConfig rebalanceConfig;
        DeltaConfig deltaConfig;
        WriteConfig writeConfig;
    }

    /// @dev A keeper's hot state in one slot: the delta budget and a copy of its KEEPER_ROLE membership, kept in sync
    /// by `_grantRole` / `_revokeRole` (AccessControl's own mapping stays the source of truth for `hasRole`).
    struct KeeperState {
        uint248 budget;
        bool isKeeper;
    }

    /// @dev What `rebalance` knows before the swap (a struct keeps the legacy code generator's stack shallow).
    struct RebalancePlan {
        uint256 price;
        uint256 maxSlippageBps;
        uint256 stressBps;
        uint256 quoteBefore;
        uint256 underlyingBefore;
        int256 optionDelta;
        int256 deltaBefore;
        uint256 liabilityLow;
        uint256 liabilityHigh;
    }

    IERC20 private immutable _underlying;
    IOracleAdapter private immutable _oracle;
    ISwapRouter private immutable _router;
    IUniswapV3Pool private immutable _pool;
    uint24 private immutable _poolFee;
    bool private immutable _underlyingIsToken0;
    uint256 private immutable _quoteUnit;
    uint256 private immutable _underlyingUnit;
    uint256 private immutable _priceScale;
    int256 private immutable _lnPriceScale;
    // The adapter's configuration (immutable there too), so `_price` reads the feed without calling the adapter.
    address private immutable _feed;
    address private immutable _sequencerFeed;
    /// @dev stalenessLimit | gracePeriod << 64 | scaleUp << 128 | scaleDown << 192 (each < 2^64; see `_feedPrice`).
    uint256 private immutable _feedLimits;

    OptionsBook.RiskState private _risk;
    DeltaConfig private _deltaConfig;
    OptionsBook.VolLimits private _volLimits;
    OptionsBook.Book private _book;
    mapping(address keeper => KeeperState) private _keepers;

    modifier whenNotPaused() {
        if (_risk.paused) revert EnforcedPause();
        _;
    }

    constructor(InitParams memory p) ERC20(p.name, p.symbol) ERC4626(p.quote) {
        if (
            address(p.underlying) == address(0) || address(p.oracle) == address(0) || address(p.router) == address(0)
                || address(p.pool) == address(0) || p.admin == address(0)
        ) revert VaultZeroAddress();
        address token0 = p.pool.token0();
        address token1 = p.pool.token1();
        bool underlyingIsToken0 = token0 == address(p.underlying);
        if (
            !(underlyingIsToken0 && token1 == address(p.quote))
                && !(token0 == address(p.quote) && token1 == address(p.underlying))
        ) revert VaultInvalidConfig("pool");
        uint8 quoteDecimals = p.quote.decimals();
        uint8 underlyingDecimals = p.underlying.decimals();
        if (quoteDecimals > 18 || underlyingDecimals > 18) revert VaultInvalidConfig("decimals");
        VaultMath.Market memory m = VaultMath.market(quoteDecimals, underlyingDecimals, underlyingIsToken0);

        _underlying = p.underlying;
        _oracle = p.oracle;
        _router = p.router;
        _pool = p.pool;
        _poolFee = p.pool.fee();
        _underlyingIsToken0 = underlyingIsToken0;
        _quoteUnit = m.quoteUnit;
        _underlyingUnit = m.underlyingUnit;
        _priceScale = m.priceScale;
        _lnPriceScale = m.lnPriceScale;
        _feed = address(p.oracle.feed());
        _sequencerFeed = address(p.oracle.sequencerUptimeFeed());
        (uint256 scaleUp, uint256 scaleDown) = FeedReader.scales(p.oracle.feedDecimals());
        // Each factor is at most 10^18 (the adapter accepts at most 36 decimals); the staleness limit (at most 2 days
        // in the adapter) and the grace period are checked to fit their 64 bits here.
        _feedLimits = uint256(SafeCast.toUint64(p.oracle.stalenessLimit()))
            | uint256(SafeCast.toUint64(p.oracle.gracePeriod())) << 64 | scaleUp << 128 | scaleDown << 192;

        _grantRole(DEFAULT_ADMIN_ROLE, p.admin);
        _setRebalanceConfig(p.rebalanceConfig);
        _setDeltaConfig(p.deltaConfig);
        _setWriteConfig(p.writeConfig);
    }

    // =================================================================================================================
    // ERC-4626
    // =================================================================================================================

    /// @notice Net asset value at the oracle price, in quote base units, rounded down.
    /// @dev Never reverts. When the oracle is unusable the value is not meaningful (free quote only is reported), and
    /// every max* function returns 0 so no shares move at that value.
    function totalAssets() public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        uint256 quoteBalance = IERC20(asset()).balanceOf(address(this));
        uint256 reserved = _book.reservedPayouts;
        if (!ok) return quoteBalance > reserved ? quoteBalance - reserved : 0;
        return _book.netAssets(_market(), price, quoteBalance, _underlying.balanceOf(address(this)));
    }

    /// @notice 0 while paused or while the oracle is unusable.
    function maxDeposit(address) public view override returns (uint256) {
        return _acceptsDeposits() ? type(uint256).max : 0;
    }

    /// @notice 0 while paused or while the oracle is unusable.
    function maxMint(address) public view override returns (uint256) {
        return _acceptsDeposits() ? type(uint256).max : 0;
    }

    /// @notice The owner's assets, limited to what the vault can pay out without breaking the collateral rule.
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        if (!ok) return 0;
        return Math.min(super.maxWithdraw(owner), _withdrawable(price));
    }

    /// @notice The owner's shares, limited like `maxWithdraw`; converted rounding down.
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, uint256 price) = _tryPrice();
        if (!ok) return 0;
        return Math.min(balanceOf(owner), _convertToShares(_withdrawable(price), Math.Rounding.Floor));
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares)
        internal
        override
        nonReentrant
    {
        super._deposit(caller, receiver, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
        nonReentrant
    {
        super._withdraw(caller, receiver, owner, assets, shares);
        // maxWithdraw already bounded `assets`; checking again keeps the rule local to the state change.
        _requireCollateral(_price());
    }

    // =================================================================================================================
    // Options
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function createSeries(bool isCall, uint256 strike, uint256 expiry, uint256 vol)
        external
        onlyRole(WRITER_ROLE)
        whenNotPaused
        returns (uint256 seriesId)
    {
        return _book.create(_volLimits, isCall, strike, expiry, vol);
    }

    /// @inheritdoc IOptionsVault
    function write(uint256 seriesId, uint256 size, uint256 premium, address holder)
        external
        onlyRole(WRITER_ROLE)
        whenNotPaused
        nonReentrant
    {
        uint256 price = _book.write(_market(), _oracle, seriesId, size, premium, holder);
        IERC20(asset()).safeTransferFrom(msg.sender, address(this), premium);
        _requireCollateral(price);
    }

    /// @inheritdoc IOptionsVault
    function setVol(uint256 seriesId, uint256 vol) external onlyRole(VOL_SETTER_ROLE) {
        _book.setVol(_volLimits, seriesId, vol);
    }

    /// @inheritdoc IOptionsVault
    function settle(uint256 seriesId, uint80 roundId) external nonReentrant {
        _book.settle(_market(), _oracle, seriesId, roundId);
    }

    /// @inheritdoc IOptionsVault
    function claim(uint256 seriesId) external nonReentrant returns (uint256 amount) {
        uint256 size;
        (size, amount) = _book.claim(_market(), seriesId);
        uint256 available = IERC20(asset()).balanceOf(address(this));
        if (amount > available) revert VaultInsufficientLiquidity(amount, available);
        if (amount != 0) IERC20(asset()).safeTransfer(msg.sender, amount);
        emit PayoutClaimed(seriesId, msg.sender, size, amount);
    }

    // =================================================================================================================
    // Hedging
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    /// @dev Checks, in order: role, pause, deadline, oracle freshness, pool spot and TWAP against the oracle, delta
    /// outside the tolerance and trade direction toward the target, cooldown (waived when urgent), notional cap;
    /// then swaps with the keeper's minimum output and the tighter of the keeper's and the vault's price limit
    /// (oracle price moved by maxSlippage), resets the router allowance, and checks on the amounts actually moved
    /// (a price limit may stop the swap early): output >= oracle value of the input * (1 - maxSlippage), no
    /// overshoot past the tolerance, the keeper's delta budget, and the collateral rule.
    function rebalance(RebalanceParams calldata params)
        external
        nonReentrant
        returns (uint256 amountIn, uint256 amountOut)
    {
        // KEEPER_ROLE, checked on the copy in the keeper's budget slot, which the charge below reads and writes anyway
        // (one cold slot for both); same error as `onlyRole(KEEPER_ROLE)`.
        if (!_keepers[msg.sender].isKeeper) revert AccessControlUnauthorizedAccount(msg.sender, KEEPER_ROLE);
        VaultMath.Market memory m = _market();
        RebalancePlan memory plan = _planRebalance(m, params);
        _swap(m, params, plan.price, plan.maxSlippageBps);

        uint256 quoteAfter = IERC20(asset()).balanceOf(address(this));
        uint256 underlyingAfter = _underlying.balanceOf(address(this));
        uint256 moved; // underlying bought or sold: the delta consumed
        if (params.buyUnderlying) {
            amountIn = plan.quoteBefore - quoteAfter;
            amountOut = underlyingAfter - plan.underlyingBefore;
            moved = amountOut;
        } else {
            amountIn = plan.underlyingBefore - underlyingAfter;
            amountOut = quoteAfter - plan.quoteBefore;
            moved = amountIn;
        }
        // The router pulls with transferFrom, which spends the allowance: a full fill leaves none. A swap stopped
        // early by the price limit leaves the rest; never leave any behind.
        if (amountIn != params.amountIn) {
            (params.buyUnderlying ? IERC20(asset()) : _underlying).forceApprove(address(_router), 0);
        }
        // The vault's own floor from the oracle on what was actually spent, whatever minimum the keeper passed.
        uint256 minAmountOut = (
            params.buyUnderlying
                ? VaultMath.underlyingValue(m, amountIn, plan.price, Math.Rounding.Floor)
                : VaultMath.quoteValue(m, amountIn, plan.price, Math.Rounding.Floor)
        ) * (BPS - plan.maxSlippageBps) / BPS;
        if (amountOut < minAmountOut) revert VaultInsufficientOutput(amountOut, minAmountOut);
        int256 deltaAfter = underlyingAfter.toInt256() - plan.optionDelta;
        _checkOvershoot(deltaAfter, plan.deltaBefore);

        uint256 budget = _keepers[msg.sender].budget;
        if (moved > budget) revert VaultDeltaBudgetExceeded(moved, budget);
        unchecked {
            // moved <= budget was just checked.
            budget -= moved;
        }
        // budget only went down from a uint248.
        // forge-lint: disable-next-line(unsafe-typecast)
        _keepers[msg.sender].budget = uint248(budget);
        // block.timestamp < 2^40 until the year 36812.
        _risk.lastRebalanceAt = uint40(block.timestamp);
        _requireCollateralAfterSwap(m, plan, quoteAfter, underlyingAfter);
        emit Rebalanced(
            msg.sender, params.buyUnderlying, amountIn, amountOut, plan.price, plan.deltaBefore, deltaAfter, budget
        );
    }

    /// @inheritdoc IOptionsVault
    function setDeltaBudget(address keeper, uint256 budget) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (keeper == address(0)) revert VaultZeroAddress();
        uint256 oldBudget = _keepers[keeper].budget;
        _keepers[keeper].budget = budget.toUint248();
        emit DeltaBudgetSet(keeper, oldBudget, budget);
    }

    /// @inheritdoc IOptionsVault
    function deltaBudget(address keeper) external view returns (uint256) {
        return _keepers[keeper].budget;
    }

    // =================================================================================================================
    // Views
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function openSeries() external view returns (Series[] memory) {
        return _book.openSeries();
    }

    /// @inheritdoc IOptionsVault
    function series(uint256 seriesId) external view returns (Series memory) {
        return _book.get(seriesId);
    }

    /// @inheritdoc IOptionsVault
    function positionOf(uint256 seriesId, address holder) external view returns (uint256) {
        return _book.positions[seriesId][holder];
    }

    /// @inheritdoc IOptionsVault
    function reservedPayouts() external view returns (uint256) {
        return _book.reservedPayouts;
    }

    /// @inheritdoc IOptionsVault
    function oracle() external view returns (IOracleAdapter) {
        return _oracle;
    }

    /// @inheritdoc IOptionsVault
    function underlying() external view returns (address) {
        return address(_underlying);
    }

    /// @inheritdoc IOptionsVault
    function swapRouter() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IOptionsVault
    function pool() external view returns (address) {
        return address(_pool);
    }

    /// @inheritdoc IOptionsVault
    function rebalanceConfig() external view returns (RebalanceConfig memory) {
        OptionsBook.RiskState memory r = _risk;
        return RebalanceConfig({
            maxDeviationBps: r.maxDeviationBps,
            maxSlippageBps: r.maxSlippageBps,
            twapWindow: r.twapWindow,
            cooldown: r.cooldown,
            maxNotional: r.maxNotional
        });
    }

    /// @inheritdoc IOptionsVault
    function deltaConfig() external view returns (DeltaConfig memory) {
        return _deltaConfig;
    }

    /// @inheritdoc IOptionsVault
    function writeConfig() external view returns (WriteConfig memory) {
        OptionsBook.VolLimits memory v = _volLimits;
        return WriteConfig({
            stressBps: _risk.stressBps,
            minVol: v.minVol,
            maxVol: v.maxVol,
            maxTimeToExpiry: v.maxTimeToExpiry
        });
    }

    /// @inheritdoc IOptionsVault
    function lastRebalanceAt() external view returns (uint256) {
        return _risk.lastRebalanceAt;
    }

    /// @inheritdoc IOptionsVault
    function paused() external view returns (bool) {
        return _risk.paused;
    }

    // =================================================================================================================
    // Admin
    // =================================================================================================================

    /// @inheritdoc IOptionsVault
    function setRebalanceConfig(RebalanceConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRebalanceConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function setDeltaConfig(DeltaConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDeltaConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function setWriteConfig(WriteConfig calldata config) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWriteConfig(config);
    }

    /// @inheritdoc IOptionsVault
    function pause() external onlyRole(GUARDIAN_ROLE) whenNotPaused {
        _risk.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IOptionsVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_risk.paused) revert ExpectedPause();
        _risk.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @dev Mirrors KEEPER_ROLE membership into the keeper's budget slot (see `KeeperState`).
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == KEEPER_ROLE) _keepers[account].isKeeper = true;
    }

    /// @dev Mirrors KEEPER_ROLE membership into the keeper's budget slot (see `KeeperState`). `renounceRole` and
    /// `revokeRole` both end here.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == KEEPER_ROLE) _keepers[account].isKeeper = false;
    }

    /// @dev AccessControl and the interfaces both declare supportsInterface.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IOptionsVault).interfaceId || super.supportsInterface(interfaceId);
    }

    // =================================================================================================================
    // Internal: configuration
    // =================================================================================================================

    function _setRebalanceConfig(RebalanceConfig memory config) private {
        OptionsBook.setRebalanceConfig(_risk, config);
    }

    function _setDeltaConfig(DeltaConfig memory config) private {
        OptionsBook.setDeltaConfig(_deltaConfig, config);
    }

    function _setWriteConfig(WriteConfig memory config) private {
        OptionsBook.setWriteConfig(_risk, _volLimits, config);
    }

    // =================================================================================================================
    // Internal: book
    // =================================================================================================================

    function _market() private view returns (VaultMath.Market memory) {
        return VaultMath.Market({
            quoteUnit: _quoteUnit,
            underlyingUnit: _underlyingUnit,
            priceScale: _priceScale,
            lnPriceScale: _lnPriceScale,
            underlyingIsToken0: _underlyingIsToken0
        });
    }

    /// @dev V(P-) and V(P+) at `price` from the current balances and book.
    function _collateralValues(uint256 price) private view returns (int256 valueAtLow, int256 valueAtHigh) {
        return _book.collateralValues(
            _market(),
            price,
            _risk.stressBps,
            IERC20(asset()).balanceOf(address(this)),
            _underlying.balanceOf(address(this))
        );
    }

    function _requireCollateral(uint256 price) private view {
        (int256 valueAtLow, int256 valueAtHigh) = _collateralValues(price);
        if (valueAtLow < 0 || valueAtHigh < 0) revert VaultCollateralRuleViolated(valueAtLow, valueAtHigh);
    }

    /// @dev Quote that can leave without breaking the rule: min(free quote, V(P-), V(P+)), floored at 0.
    function _withdrawable(uint256 price) private view returns (uint256) {
        uint256 quoteBalance = IERC20(asset()).balanceOf(address(this));
        uint256 reserved = _book.reservedPayouts;
        if (quoteBalance <= reserved) return 0;
        (int256 valueAtLow, int256 valueAtHigh) = _collateralValues(price);
        int256 headroom = valueAtLow < valueAtHigh ? valueAtLow : valueAtHigh;
        if (headroom <= 0) return 0;
        // headroom > 0 was just checked.
        // forge-lint: disable-next-line(unsafe-typecast)
        return Math.min(quoteBalance - reserved, uint256(headroom));
    }

    // =================================================================================================================
    // Internal: prices and swaps
    // =================================================================================================================

    function _acceptsDeposits() private view returns (bool) {
        if (_risk.paused) return false;
        (bool ok,) = _tryPrice();
        return ok;
    }

    /// @dev The adapter's latest price, read from the feed directly (`FeedReader`: the adapter's checks with its
    /// configuration); when the fast path does not accept it, the adapter is asked and reverts with the reason.
    function _price() private view returns (uint256 price) {
        price = _feedPrice();
        if (price == 0) (price,) = _oracle.latestPrice();
        if (price < BlackScholes.MIN_PRICE || price > BlackScholes.MAX_PRICE) {
            revert IOracleAdapter.OracleNonPositiveAnswer(price.toInt256());
        }
    }

    /// @dev Never reverts: `ok` is false when the adapter would not report `Status.Ok` (`FeedReader` applies exactly
    /// its checks) or the price is outside the pricing domain.
    function _tryPrice() private view returns (bool ok, uint256 price) {
        price = _feedPrice();
        ok = price >= BlackScholes.MIN_PRICE && price <= BlackScholes.MAX_PRICE;
    }

    /// @dev `FeedReader.latestPrice` with the adapter's configuration (copied into immutables at construction).
    function _feedPrice() private view returns (uint256) {
        uint256 limits = _feedLimits;
        // Unpacking the fields the constructor packed (each < 2^64).
        // forge-lint: disable-next-item(unsafe-typecast)
        return FeedReader.latestPrice(
            FeedReader.Config({
                feed: _feed,
                sequencer: _sequencerFeed,
                stalenessLimit: uint64(limits),
                gracePeriod: uint64(limits >> 64),
                scaleUp: uint64(limits >> 128),
                scaleDown: limits >> 192
            })
        );
    }

    /// @dev Every check that does not need the swap's outcome. Reads `_risk` (which also carries the pause flag and
    /// the collateral band) and `_deltaConfig` once each.
    function _planRebalance(VaultMath.Market memory m, RebalanceParams calldata params)
        private
        view
        returns (RebalancePlan memory plan)
    {
        OptionsBook.RiskState memory risk = _risk;
        if (risk.paused) revert EnforcedPause();
        if (params.deadline < block.timestamp) revert VaultDeadlineExpired(params.deadline, block.timestamp);
        if (params.amountIn == 0) revert VaultZeroAmount();
        plan.price = _price();
        plan.maxSlippageBps = risk.maxSlippageBps;
        plan.stressBps = risk.stressBps;

        uint256 poolPrice = VaultMath.priceFromSqrtX96(m, VaultMath.spotSqrtPriceX96(_pool));
        if (VaultMath.deviationBps(poolPrice, plan.price) > risk.maxDeviationBps) {
            revert VaultPoolPriceDeviation(poolPrice, plan.price);
        }
        uint256 twap = VaultMath.twapPrice(m, _pool, risk.twapWindow);
        if (VaultMath.deviationBps(twap, plan.price) > risk.maxDeviationBps) revert VaultTwapDeviation(twap, plan.price);

        plan.quoteBefore = IERC20(asset()).balanceOf(address(this));
        plan.underlyingBefore = _underlying.balanceOf(address(this));
        (plan.optionDelta, plan.liabilityLow, plan.liabilityHigh) =
            _book.scanInline(m, plan.price, risk.stressBps, true);
        plan.deltaBefore = plan.underlyingBefore.toInt256() - plan.optionDelta;

        DeltaConfig memory target = _deltaConfig;
        int256 distance = plan.deltaBefore - target.targetDelta;
        uint256 absDistance = SignedMath.abs(distance);
        if (absDistance <= target.tolerance) {
            revert VaultWithinTolerance(plan.deltaBefore, target.targetDelta, target.tolerance);
        }
        // Too much underlying (distance > 0) must be sold; too little must be bought.
        if ((distance > 0) == params.buyUnderlying) {
            revert VaultWrongDirection(plan.deltaBefore, target.targetDelta, params.buyUnderlying);
        }
        uint256 cooldownEndsAt = uint256(risk.lastRebalanceAt) + risk.cooldown;
        if (absDistance < target.urgentThreshold && block.timestamp < cooldownEndsAt) {
            revert VaultCooldownActive(cooldownEndsAt);
        }
        uint256 notional = params.buyUnderlying
            ? params.amountIn
            : VaultMath.quoteValue(m, params.amountIn, plan.price, Math.Rounding.Ceil);
        if (notional > risk.maxNotional) revert VaultNotionalCapExceeded(notional, risk.maxNotional);
    }

    /// @dev Approves exactly amountIn and swaps; `_rebalance` clears what the router did not pull.
    function _swap(VaultMath.Market memory m, RebalanceParams calldata params, uint256 price, uint256 maxSlippageBps)
        private
    {
        (IERC20 tokenIn, IERC20 tokenOut) =
            params.buyUnderlying ? (IERC20(asset()), _underlying) : (_underlying, IERC20(asset()));
        // Buying underlying pushes the WAD price up; the limit is the oracle price moved by the slippage bound.
        uint256 limitPrice = params.buyUnderlying
            ? price * (BPS + maxSlippageBps) / BPS
            : price * (BPS - maxSlippageBps) / BPS;
        uint160 limit = VaultMath.sqrtX96FromPrice(m, limitPrice);
        bool zeroForOne = address(tokenIn) < address(tokenOut);
        if (params.sqrtPriceLimitX96 != 0) {
            // zeroForOne lowers the pool's sqrt price: the tighter limit is the higher one, and vice versa.
            limit = zeroForOne
                ? (params.sqrtPriceLimitX96 > limit ? params.sqrtPriceLimitX96 : limit)
                : (params.sqrtPriceLimitX96 < limit ? params.sqrtPriceLimitX96 : limit);
        }

        // The allowance is always zero here (spent or cleared after every swap), so this is one `approve` call even
        // for USDT-style tokens; the zero-to-nonzero write is refunded when the router's pull brings it back to zero.
        tokenIn.forceApprove(address(_router), params.amountIn);
        _router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: address(tokenIn),
                tokenOut: address(tokenOut),
                fee: _poolFee,
                recipient: address(this),
                deadline: params.deadline,
                amountIn: params.amountIn,
                amountOutMinimum: params.minAmountOut,
                sqrtPriceLimitX96: limit
            })
        );
    }

    /// @dev The collateral rule on the post-swap balances; the book's liabilities did not change with the swap.
    function _requireCollateralAfterSwap(
        VaultMath.Market memory m,
        RebalancePlan memory plan,
        uint256 quoteBalance,
        uint256 underlyingBalance
    ) private view {
        (int256 valueAtLow, int256 valueAtHigh) = VaultMath.edgeValues(
            m,
            plan.price,
            plan.stressBps,
            quoteBalance,
            underlyingBalance,
            _book.reservedPayouts,
            plan.liabilityLow,
            plan.liabilityHigh
        );
        if (valueAtLow < 0 || valueAtHigh < 0) revert VaultCollateralRuleViolated(valueAtLow, valueAtHigh);
    }

    function _checkOvershoot(int256 deltaAfter, int256 deltaBefore) private view {
        DeltaConfig memory target = _deltaConfig;
        int256 distanceBefore = deltaBefore - target.targetDelta;
        int256 distanceAfter = deltaAfter - target.targetDelta;
        // Crossing the target is allowed only to within the tolerance; staying on the same side can only have
        // moved toward the target (direction checked before the swap), so |distance| never grows.
        bool crossed = (distanceBefore > 0 && distanceAfter < 0) || (distanceBefore < 0 && distanceAfter > 0);
        if (crossed && SignedMath.abs(distanceAfter) > target.tolerance) {
            revert VaultOvershoot(deltaAfter, target.targetDelta, target.tolerance);
        }
    }
}
