#!/usr/bin/env bash
# A tour of the keeper binary's offline commands on a fresh key (`./run tour`).
# It makes a keystore, builds the Uniswap V3 hedge swap calldata, signs it as an EIP-1559
# transaction, decodes it back (recovering the sender), signs and verifies an EIP-191 message
# (the Flashbots relay auth scheme), and backtests the hedging policies on the ETH scenario.
# Everything goes to a temporary folder that is removed at the end, except the report.
#
# usage: keeper/cli/tour.sh <path-to-keeper-binary> [report-dir]
set -euo pipefail

keeper="${1:?usage: tour.sh <keeper binary> [report dir]}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
report_dir="${2:-$root/build/demo}"
mkdir -p "$report_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }
show() { printf '$ keeper %s\n' "$*"; "$keeper" "$@"; }

step "1. A keystore for the keeper (password from a file, never from argv)"
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/password"
show wallet new "$work" keeper --password-file "$work/password" >/dev/null
address="$("$keeper" wallet address --keystore "$work/keeper" --password-file "$work/password")"
echo "keeper address: $address"

step "2. The hedge: SwapRouter02 exactInputSingle, 30,000 USDC -> WETH, 5 bp pool"
sig='exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))'
show sig "$sig"
usdc=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
weth=0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2
router=0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45
vault=0x000000000000000000000000000000000000dEaD
# amountOutMinimum: 30,000 USDC at an oracle price of 3,000 with 50 bp max slippage = 9.95 WETH
params="($usdc,$weth,500,$vault,30000000000,9950000000000000000,0)"
calldata="$("$keeper" calldata "$sig" "$params")"
echo "calldata: ${calldata:0:74}... (${#calldata} hex chars)"
show decode-calldata "$sig" "$calldata"

step "3. Sign it as an EIP-1559 transaction (chain 1, nonce 7, 30 gwei cap, 1 gwei tip)"
raw="$("$keeper" mktx "$router" --data "$calldata" --chain 1 --nonce 7 --gas-limit 250000 \
        --gas-price 30gwei --priority-gas-price 1gwei \
        --keystore "$work/keeper" --password-file "$work/password")"
echo "raw: ${raw:0:66}... (${#raw} hex chars)"
show decode-tx "$raw"

step "4. Relay authentication: EIP-191 personal_sign over keccak256(request body)"
body='{"jsonrpc":"2.0","id":1,"method":"eth_sendPrivateTransaction","params":[{"tx":"'"$raw"'"}]}'
digest="$("$keeper" keccak "$body")"
signature="$("$keeper" wallet sign "$digest" --keystore "$work/keeper" --password-file "$work/password")"
echo "X-Flashbots-Signature: $address:$signature"
show wallet verify --address "$address" "$digest" "$signature"

step "5. Which hedging policy? Backtest on the ETH scenario (config/backtest/eth_30d.toml)"
"$keeper" backtest "$root/config/backtest/eth_30d.toml" --paths 1000 \
  --csv "$report_dir/backtest.csv" --html "$report_dir/backtest.html"

step "done"
echo "report: $report_dir/backtest.html (cost/risk frontier), $report_dir/backtest.csv"
