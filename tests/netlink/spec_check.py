# SPDX-License-Identifier: GPL-2.0
"""Check doc/netlink/imgsec.yaml, the YNL spec of the imgsec family, on the
host: against the kernel's genetlink-legacy schema, with ynl's own spec
reader, and against include/uapi/linux/imgsec.h (every name and value the
spec renders, both ways, and the layout of its structs).

    spec_check.py SPEC HEADER NETLINK_DIR

NETLINK_DIR holds Documentation/netlink and tools/net/ynl of a kernel
source (tests/deps.sh unpacks linux-source-6.12's).  Prints PASS:/FAIL:
lines and "N passed, N failed"; exits 1 on any failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

PASSED = 0
FAILED = 0


def result(ok, name, why=''):
    global PASSED, FAILED
    if ok:
        print(f'PASS: {name}')
        PASSED += 1
    else:
        print(f'FAIL: {name}: {why}')
        FAILED += 1


def check_schema(spec, schemas):
    """The spec against the schema it names, and why not a simpler one."""
    proto = spec.get('protocol', 'genetlink')
    schema = yaml.safe_load(open(os.path.join(schemas, proto + '.yaml')))
    try:
        jsonschema.validate(spec, schema)
        result(True, f'spec is valid {proto} (Documentation/netlink/{proto}.yaml)')
    except jsonschema.ValidationError as e:
        path = '/'.join(str(p) for p in e.absolute_path)
        result(False, f'spec is valid {proto}', f'{path}: {e.message}')
    # genetlink-legacy is needed (structs in binary attributes, a policy per
    # op): if the plain schema ever accepts the spec, it should say so.
    if proto == 'genetlink-legacy':
        plain = yaml.safe_load(open(os.path.join(schemas, 'genetlink.yaml')))
        ok = not jsonschema.Draft7Validator(plain).is_valid(spec)
        result(ok, 'spec needs genetlink-legacy (plain genetlink refuses it)',
               'plain genetlink accepts it: use protocol: genetlink')


def check_ynl_reader(spec_path, schemas, ynl):
    """ynl's SpecFamily: resolves every reference (enums, sets, structs)."""
    sys.path.insert(0, ynl)
    try:
        from lib.nlspec import SpecFamily
        proto = yaml.safe_load(open(spec_path)).get('protocol', 'genetlink')
        fam = SpecFamily(spec_path, os.path.join(schemas, proto + '.yaml'))
        result(True, f'ynl reads the spec: {len(fam.ops)} operations, '
               f'{len(fam.attr_sets)} attribute sets')
    except Exception as e:  # anything ynl raises is a spec error
        result(False, 'ynl reads the spec', f'{type(e).__name__}: {e}')


def render_header(spec_path, netlink_dir, tmp):
    """The uapi header ynl-gen-c.py makes of the spec.  It wants the spec
    in a kernel tree: Documentation/netlink/specs/, a MAINTAINERS above."""
    tree = os.path.join(tmp, 'tree')
    specs = os.path.join(tree, 'Documentation', 'netlink', 'specs')
    os.makedirs(specs)
    for f in os.listdir(os.path.join(netlink_dir, 'Documentation', 'netlink')):
        if f.endswith('.yaml'):
            shutil.copy(os.path.join(netlink_dir, 'Documentation', 'netlink', f),
                        os.path.dirname(specs))
    shutil.copy(spec_path, os.path.join(specs, 'imgsec.yaml'))
    open(os.path.join(tree, 'MAINTAINERS'), 'w').close()
    out = os.path.join(tmp, 'gen.h')
    gen = os.path.join(netlink_dir, 'tools', 'net', 'ynl', 'ynl-gen-c.py')
    p = subprocess.run([sys.executable, gen, '--mode', 'uapi', '--header',
                        '--spec', os.path.join(specs, 'imgsec.yaml'),
                        '-o', out], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        result(False, 'ynl-gen-c.py renders the spec as a uapi header',
               (p.stdout + p.stderr).strip().splitlines()[-1:])
        return None
    result(True, 'ynl-gen-c.py renders the spec as a uapi header')
    return out


def names_of(header):
    """Enumerators and object-like macros of a header, in order."""
    text = open(header).read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    names = []
    for m in re.finditer(r'^#define[ \t]+([A-Z_][A-Z0-9_]*)[ \t]+\S', text, re.M):
        if not m.group(1).startswith('_UAPI'):
            names.append(m.group(1))
    for body in re.findall(r'enum\s+\w*\s*\{(.*?)\}', text, re.S):
        for m in re.finditer(r'^\s*([A-Z_][A-Z0-9_]*)\s*(?:[,=]|$)', body, re.M):
            names.append(m.group(1))
    return names


def c_values(header, names, tmp, tag):
    """NAME VALUE for each name, as a C compiler sees them in HEADER."""
    src = os.path.join(tmp, f'values_{tag}.c')
    exe = os.path.join(tmp, f'values_{tag}')
    with open(src, 'w') as f:
        f.write('#include <stdio.h>\n#include <stddef.h>\n')
        f.write(f'#include "{os.path.abspath(header)}"\n')
        f.write('#define P(x) _Generic((x), char *: printf("%s \\"%s\\"\\n", #x, (char *)(x)), '
                'default: printf("%s %lld\\n", #x, (long long)(x)))\n')
        f.write('int main(void)\n{\n')
        for n in names:
            f.write(f'\tP({n});\n')
        f.write('\treturn 0;\n}\n')
    p = subprocess.run(['cc', '-std=gnu11', '-Iinclude/uapi', '-o', exe, src],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr
    out = subprocess.run([exe], capture_output=True, text=True, check=True)
    return dict(l.split(' ', 1) for l in out.stdout.splitlines()), ''


def check_header(gen, header, tmp):
    """Every name either header has, with the same value in both."""
    gen_names = names_of(gen)
    real_names = names_of(header)
    # ynl-gen adds NAME_MAX = __NAME_MAX - 1 to every enum; the real header
    # has some as defines.  __NAME_MAX (both) is what tells a missing entry.
    extra_ok = {n for n in gen_names if n.endswith('_MAX')
                and not n.startswith('__')}
    only_gen = [n for n in gen_names if n not in real_names
                and n not in extra_ok]
    # The spec has no command 0 (ynl numbers commands from 1).
    only_real = [n for n in real_names if n not in gen_names
                 and n != 'IMGSEC_CMD_UNSPEC']
    result(not only_gen, 'every name the spec renders is in imgsec.h',
           ' '.join(only_gen))
    result(not only_real, 'every name of imgsec.h is in the spec',
           ' '.join(only_real))
    common = [n for n in gen_names if n in real_names]
    gv, err = c_values(gen, common, tmp, 'gen')
    rv, err2 = c_values(header, common, tmp, 'real')
    if gv is None or rv is None:
        result(False, 'values of spec and imgsec.h compile', err or err2)
        return
    bad = [f'{n}: spec {gv[n]}, imgsec.h {rv[n]}' for n in common
           if gv[n] != rv[n]]
    result(not bad, f'{len(common)} values: spec == imgsec.h', '; '.join(bad))


def member_size(m):
    return {'u8': 1, 'u16': 2, 'u32': 4, 'u64': 8, 's8': 1, 's16': 2,
            's32': 4, 's64': 8}.get(m['type'], m.get('len'))


def check_structs(spec, header, tmp):
    """Each struct of the spec: its members' offsets and its size in C."""
    fam = spec['name']
    for d in spec.get('definitions', []):
        if d['type'] != 'struct':
            continue
        cname = f"struct {fam}_{d['name'].replace('-', '_')}"
        exprs, off = [], 0
        for m in d['members']:
            exprs.append((f"offsetof({cname}, {m['name']})", off))
            exprs.append((f"sizeof((({cname} *)0)->{m['name']})",
                          member_size(m)))
            off += member_size(m)
        exprs.append((f'sizeof({cname})', off))
        src = os.path.join(tmp, 'struct.c')
        exe = os.path.join(tmp, 'struct')
        with open(src, 'w') as f:
            f.write('#include <stdio.h>\n#include <stddef.h>\n')
            f.write(f'#include "{os.path.abspath(header)}"\n')
            f.write('int main(void)\n{\n')
            for e, _ in exprs:
                f.write(f'\tprintf("%zu\\n", (size_t){e});\n')
            f.write('\treturn 0;\n}\n')
        p = subprocess.run(['cc', '-Iinclude/uapi', '-o', exe, src],
                           capture_output=True, text=True)
        if p.returncode != 0:
            result(False, f'{cname} as in the spec', p.stderr.strip())
            continue
        got = subprocess.run([exe], capture_output=True, text=True,
                             check=True).stdout.split()
        bad = [f'{e} = {g}, spec says {w}' for (e, w), g in zip(exprs, got)
               if int(g) != w]
        result(not bad, f'{cname}: {len(d["members"])} members, '
               f'{off} bytes, as in the spec', '; '.join(bad))


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spec_path, header, netlink_dir = sys.argv[1:]
    schemas = os.path.join(netlink_dir, 'Documentation', 'netlink')
    ynl = os.path.join(netlink_dir, 'tools', 'net', 'ynl')
    spec = yaml.safe_load(open(spec_path))
    check_schema(spec, schemas)
    check_ynl_reader(spec_path, schemas, ynl)
    with tempfile.TemporaryDirectory() as tmp:
        gen = render_header(spec_path, netlink_dir, tmp)
        if gen:
            check_header(gen, header, tmp)
        check_structs(spec, header, tmp)
    print(f'{PASSED} passed, {FAILED} failed')
    return 1 if FAILED else 0


if __name__ == '__main__':
    sys.exit(main())
