# SPDX-License-Identifier: GPL-2.0
"""What ynl's cli.py decoded, with doc/netlink/imgsec.yaml, against what
imgsecctl says (its --json), field by field.  Run in the test VM by
tests/e2e/netlink_spec_test.sh:

    compare.py WHAT YNL_JSON IMGSECCTL_JSON

WHAT is status, stats, policy or rpc; YNL_JSON is cli.py --output-json's
output (for a dump, the list of messages).  Prints nothing and exits 0 when
they agree, else one line per difference and exits 1.  A wrong attribute
type or number in the spec shows here as a field missing, misnamed or with
another value (or earlier, as cli.py failing to decode).
"""
import ipaddress
import json
import sys

PROTOS = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmpv6': 58}
UNITS = {'second': 's', 'minute': 'min'}
errors = []


def same(what, got, want):
    if got != want:
        errors.append(f'{what}: ynl {got!r}, imgsecctl {want!r}')


def status(y, c):
    same('version', y.get('version'), c['version'])
    same('generation', y.get('generation'), c['generation'])
    same('netns-count', y.get('netns-count'), c['namespaces'])
    # A countdown: the two reads are some seconds apart.
    ys, cs = y.get('pending-secs'), c['pending_revert_secs']
    if isinstance(ys, int) and isinstance(cs, int) and abs(ys - cs) <= 10:
        ys = cs
    same('pending-secs', ys, cs)
    pol = y.get('policy')
    same('policy active', pol is not None, c['policy']['active'])
    if pol is not None:
        for k in ('mode', 'default', 'placement'):
            same(f'policy {k}', pol.get(k), c['policy'].get(k))
    extra = set(y) - {'version', 'generation', 'netns-count', 'pending-secs',
                      'policy'}
    same('unexpected attributes', sorted(extra), [])


def counters(what, y, c):
    want = {k.replace('_', '-'): v for k, v in (c or {}).items()}
    same(f'{what} counters', y, want)


def stats(y, c):
    counters('stats', y.get('stats'), c['hook'])
    counters('rpc-stats', y.get('rpc-stats'), c['rpc'])


def prefix_text(p):
    """struct imgsec_prefix as decoded (addr in hex) -> "ADDR/PLEN"."""
    raw = bytes.fromhex(p['addr'].replace(' ', ''))
    if p['family'] == 'inet':
        addr = ipaddress.IPv4Address(raw[:4])
    elif p['family'] == 'inet6':
        addr = ipaddress.IPv6Address(raw)
    else:
        return f'?{p}'
    return f'{addr}/{p["plen"]}'


def join_dump(msgs):
    """The slices of a get-policy dump -> generation, header, roles, rules."""
    gens = {m.get('generation') for m in msgs}
    header, roles, rules = {}, {}, []
    for m in msgs:
        pol = m.get('policy', {})
        for k in ('mode', 'default', 'placement'):
            if k in pol:
                header[k] = pol[k]
        for item in pol.get('roles', []):
            (nest,) = item.values()
            role = roles.setdefault(nest['index'], {'name': None,
                                                    'prefixes': []})
            if 'name' in nest:
                role['name'] = nest['name']
            role['prefixes'] += [prefix_text(p) for p in nest.get('prefix', [])]
        for item in pol.get('rules', []):
            (nest,) = item.values()
            rules.append(nest)
    return gens, header, [roles[i] for i in sorted(roles)], rules


def policy(msgs, c):
    if not isinstance(msgs, list):
        errors.append(f'dump: not a list of messages: {msgs!r}')
        return
    gens, header, roles, rules = join_dump(msgs)
    same('generation', gens, {c['generation']})
    cp = c['policy']
    for k in ('mode', 'default', 'placement'):
        same(f'policy {k}', header.get(k), cp[k])
    same('roles', len(roles), len(cp['roles']))
    for i, (r, w) in enumerate(zip(roles, cp['roles'])):
        same(f'role {i} name', r['name'], w['name'])
        same(f'role {i} prefixes', r['prefixes'], w['prefixes'])
    same('rules', len(rules), len(cp['rules']))
    names = [r['name'] for r in roles]
    for i, (r, w) in enumerate(zip(rules, cp['rules'])):
        same(f'rule {i} index', r.get('index'), w['index'])
        same(f'rule {i} from', names[r['from']] if r.get('from', 99) < len(names)
             else r.get('from'), w['from'])
        same(f'rule {i} to', names[r['to']] if r.get('to', 99) < len(names)
             else r.get('to'), w['to'])
        wp = w['proto']
        same(f'rule {i} proto', r.get('proto'),
             int(wp) if wp.isdigit() else PROTOS.get(wp, wp))
        ports = r.get('ports', [])
        same(f'rule {i} ports', [{'lo': lo, 'hi': hi} for lo, hi
                                 in zip(ports[::2], ports[1::2])], w['ports'])
        helper = r.get('helper')
        same(f'rule {i} helper', None if helper == 'none' else helper,
             w['helper'])
        for k in ('comment', 'packets', 'bytes'):
            same(f'rule {i} {k}', r.get(k), w[k])
        if 'ports-text' in r:
            same(f'rule {i} ports text', r['ports-text'], w['ports_text'])
        limit(f'rule {i}', r, w)
        per_source(f'rule {i}', r, w)


def limit(what, r, w):
    """A rule's limit and its counter: only a rule with a limit has them."""
    wl = w['limit']
    if wl is None:
        same(f'{what} limit', [r.get(k) for k in ('limit-rate', 'limit-unit',
                                                  'limit-burst', 'limited')],
             [None] * 4)
        same(f'{what} limited', 0, w['limited'])
        return
    same(f'{what} limit rate', r.get('limit-rate'), wl['rate'])
    same(f'{what} limit unit', UNITS.get(r.get('limit-unit')), wl['unit'])
    same(f'{what} limit burst', r.get('limit-burst'), wl['burst'])
    same(f'{what} limited', r.get('limited'), w['limited'])


def per_source(what, r, w):
    """A rule's per-source limit and cap and their counters, or none."""
    keys = ('source-rate', 'source-unit', 'source-burst', 'source-limited',
            'source-evicted', 'source-max', 'source-capped')
    ws = w.get('per_source')
    if ws is None:
        same(f'{what} per-source', [r.get(k) for k in keys],
             [None] * len(keys))
        return
    same(f'{what} per-source rate', r.get('source-rate'), ws['rate'])
    same(f'{what} per-source unit', UNITS.get(r.get('source-unit')),
         ws['unit'])
    same(f'{what} per-source burst', r.get('source-burst'), ws['burst'])
    # The rate's counters come with the rate, the cap's with the cap.
    if ws['rate'] is None:
        same(f'{what} per-source limited', r.get('source-limited'), None)
        same(f'{what} per-source evicted', r.get('source-evicted'), None)
    else:
        same(f'{what} per-source limited', r.get('source-limited'),
             ws['limited'])
        same(f'{what} per-source evicted', r.get('source-evicted'),
             ws['evicted'])
    same(f'{what} per-source max', r.get('source-max'), ws['max'])
    same(f'{what} per-source capped', r.get('source-capped'),
         ws['capped'] if ws['max'] is not None else None)


def rpc(y, c):
    r = y.get('rpc', {})
    same('rpc timeout', r.get('timeout'), c['timeout'])
    same('rpc programs', r.get('programs'),
         [p['program'] for p in c['programs']])


def main():
    what, y, c = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        y = json.loads(y)
        c = json.loads(c)
    except ValueError as e:
        print(f'not JSON: {e}')
        return 1
    {'status': status, 'stats': stats, 'policy': policy, 'rpc': rpc}[what](y, c)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
