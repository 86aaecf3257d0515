#!/usr/bin/env python3
"""Reads the systemd-networkd units that `netplan generate --root-dir ROOT` wrote from
spark-fabric netplan's files (ROOT/run/systemd/network/10-netplan-IF.network), so the tests judge
what netplan itself made of them, not our YAML.

  networkd_units.py addresses ROOT
      one line per address: IF ADDRESS/LEN MTU (the cluster test applies these with `ip`)
  networkd_units.py verify TOPOLOGY MTU CAGE NODE=ROOT...
      checks the rules of the layout across all nodes, in --nodes order (node N is the Nth):
      every fabric function addressed, each on its own subnet, host number N, the MTU on each,
      no gateway, route or DNS; pair/switch: the twins of CAGE on the same two subnets on every
      node; ring: each subnet on exactly one cable, node K's port 0 and node K+1's port 1.
"""
import ipaddress
import pathlib
import sys


def read_units(root):
    """{interface: {"addresses": [...], "mtu": int|None, "forbidden": [...]}} from ROOT's .network units."""
    units = {}
    directory = pathlib.Path(root) / "run/systemd/network"
    for path in sorted(directory.glob("10-netplan-*.network")):
        name, section, unit = None, None, {"addresses": [], "mtu": None, "forbidden": []}
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line.startswith("["):
                section = line
                if section == "[Route]":
                    unit["forbidden"].append(f"{path.name}: a [Route] section")
                continue
            key, _, value = line.partition("=")
            if section == "[Match]" and key == "Name":
                name = value
            elif section == "[Network]" and key == "Address":
                unit["addresses"].append(ipaddress.ip_interface(value))
            elif section == "[Link]" and key == "MTUBytes":
                unit["mtu"] = int(value)
            elif key in ("Gateway", "DNS", "Domains") or (section == "[Network]" and key == "DHCP" and value != "no"):
                unit["forbidden"].append(f"{path.name}: {line}")
        if name is None:
            raise SystemExit(f"{path}: no [Match] Name=")
        units[name] = unit
    if not units:
        raise SystemExit(f"{directory}: netplan generated no networkd unit")
    return units


def verify(topology, mtu, cage, nodes):
    problems = []
    holders = {}  # subnet -> [(node number, interface)]
    count = len(nodes)
    for number, (node, root) in enumerate(nodes, start=1):
        units = read_units(root)
        wanted = 4 if topology == "ring" else 2
        if len(units) != wanted:
            problems.append(f"{node}: {len(units)} fabric functions, want {wanted}: {sorted(units)}")
        if topology != "ring" and any(f"f{cage}np{cage}" not in name for name in units):
            problems.append(f"{node}: functions outside cage {cage}: {sorted(units)}")
        own = set()
        for name, unit in units.items():
            problems += [f"{node}: {item}" for item in unit["forbidden"]]
            if unit["mtu"] != mtu:
                problems.append(f"{node}: {name}: MTU {unit['mtu']}, want {mtu}")
            if len(unit["addresses"]) != 1:
                problems.append(f"{node}: {name}: addresses {unit['addresses']}, want exactly one")
                continue
            address = unit["addresses"][0]
            host = int(address.ip) - int(address.network.network_address)
            if host != number:
                problems.append(f"{node}: {name}: {address} has host number {host}, want {number}")
            own.add(address.network)
            holders.setdefault(address.network, []).append((number, name))
        if len(own) != len(units):
            problems.append(f"{node}: two functions share a subnet: {sorted(map(str, own))}")
    if topology == "ring":
        if len(holders) != 2 * count:
            problems.append(f"{len(holders)} subnets, want {2 * count} (two per cable)")
        for subnet, ends in holders.items():
            ends = sorted(ends)
            names = {name for _, name in ends}
            # cable K: node K's port 0 (function 0) to node K+1's port 1 (function 1), same domain
            port0 = [n for n, name in ends if "f0np0" in name]
            port1 = [n for n, name in ends if "f1np1" in name]
            domains = {name.startswith("enP2") for name in names}
            if (len(ends) != 2 or len(port0) != 1 or len(port1) != 1 or len(domains) != 1
                    or port1[0] != port0[0] % count + 1):
                problems.append(f"{subnet}: ends {ends} are not one cable's (node K port 0 to node K+1 port 1)")
    else:
        if len(holders) != 2:
            problems.append(f"{len(holders)} subnets across the nodes, want 2 (one per twin)")
        for subnet, ends in holders.items():
            if len(ends) != count or len({name for _, name in ends}) != 1:
                problems.append(f"{subnet}: held by {sorted(ends)}, want one twin on all {count} nodes")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "addresses":
        for name, unit in sorted(read_units(argv[2]).items()):
            for address in unit["addresses"]:
                print(name, address.with_prefixlen, unit["mtu"] or "")
        return 0
    if len(argv) >= 6 and argv[1] == "verify":
        nodes = [tuple(item.split("=", 1)) for item in argv[5:]]
        return verify(argv[2], int(argv[3]), int(argv[4]), nodes)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
