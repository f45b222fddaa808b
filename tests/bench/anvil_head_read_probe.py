#!/usr/bin/env python3
# Probe (tests/bench/README.md): does anvil answer an eth_call pinned to block n, by hash or by
# number, with state of a later block while it mines? Start anvil (automine), then
#   python3 tests/bench/anvil_head_read_probe.py http://127.0.0.1:8545 hash 20
# Prints how many of the reads returned a value other than the one set at or before block n.
import json, sys, threading, urllib.request, time
URL = sys.argv[1]; MODE = sys.argv[2] if len(sys.argv) > 2 else "hash"
FROM = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
def rpc(method, params):
    req = urllib.request.Request(URL, json.dumps({"jsonrpc":"2.0","id":1,"method":method,"params":params}).encode(),
                                 {"content-type":"application/json"})
    r = json.loads(urllib.request.urlopen(req).read())
    if "error" in r: raise RuntimeError(method + str(r["error"]))
    return r["result"]
runtime = "3615600c57600035600055005b60005460005260206000f3"
init = "6018600c60003960186000f3" + runtime
h = rpc("eth_sendTransaction", [{"from": FROM, "data": "0x" + init}])
while True:
    rc = rpc("eth_getTransactionReceipt", [h])
    if rc: break
addr = rc["contractAddress"]
stop = False; writes = []  # (block, value)
def writer():
    v = 1
    while not stop:
        txh = rpc("eth_sendTransaction", [{"from": FROM, "to": addr, "data": "0x%064x" % v}])
        while True:
            rc = rpc("eth_getTransactionReceipt", [txh])
            if rc: break
        writes.append((int(rc["blockNumber"], 16), v)); v += 1
reads = []
def reader():
    while not stop:
        b = rpc("eth_getBlockByNumber", ["latest", False])
        tag = {"blockHash": b["hash"], "requireCanonical": True} if MODE == "hash" else b["number"]
        val = int(rpc("eth_call", [{"to": addr, "data": "0x"}, tag]), 16)
        reads.append((int(b["number"], 16), val))
ts = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
[t.start() for t in ts]; time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 20); stop = True; [t.join() for t in ts]
at = {}
for blk, v in writes: at[blk] = v
def expected(n):
    best = 0
    for blk, v in writes:
        if blk <= n: best = max(best, v)
    return best
bad = [(n, v, expected(n)) for n, v in reads if v != expected(n)]
print(f"mode={MODE} writes={len(writes)} reads={len(reads)} wrong={len(bad)} examples={bad[:5]}")
