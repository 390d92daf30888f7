"""Run the kit's systemd units without systemd, as systemd would run them (deploy/test/e2e.sh).

The end-to-end test starts the app servers, the outbox worker and the timers' jobs from
the unit files themselves, so a wrong flag or command in deploy/systemd/ fails the test:

    units.py exec civic-day@.service --instance 8001 --replace /srv/civic-day=$PWD
    units.py run civic-day-migrate.service --replace ...    (every ExecStart=, in order)
    units.py exec civic-day-outbox.service ... -- --interval 1   (arguments appended)
    units.py env-run ENVFILE -- flask --app wsgi users create ...
    units.py envfile civic-day.env.example OUT KEY=VALUE ...

What is emulated: [Service] Environment= (defaults) then EnvironmentFile= (which overrides
them), a clean environment with systemd's PATH, WorkingDirectory=, the specifiers %i, %I
and %%, and ${VAR} / $VAR in ExecStart= (``$VAR`` alone splits on whitespace, as systemd
does). Paths of the installation are mapped with --replace OLD=NEW (literal, in order);
--set KEY=VALUE overrides one variable (the test says which and why). What is not
emulated: User= and the sandboxing options (systemd-analyze verify checks those).
"""

import argparse
import contextlib
import os
import re
import shlex
import subprocess
import sys

SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _pairs(values, what):
    pairs = []
    for value in values or ():
        old, sep, new = value.partition("=")
        if not sep or not old:
            sys.exit(f"units.py: {what} wants OLD=NEW, not {value!r}")
        pairs.append((old, new))
    return pairs


def read_unit(path, replacements):
    """The [Service] settings of a unit: {key: [values in order]}."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for old, new in replacements:
        text = text.replace(old, new)
    text = re.sub(r"\\\n", " ", text)  # continuation lines
    section, settings = None, {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def read_env_file(path):
    """systemd's EnvironmentFile= format: KEY=VALUE lines, # or ; comments, optional quotes."""
    env = {}
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            key, sep, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                sys.exit(f"units.py: {path}:{number}: not KEY=VALUE: {raw.rstrip()}")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[key] = value
    return env


def environment(settings, overrides):
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/")}
    for assignments in settings.get("Environment", []):
        for word in shlex.split(assignments):
            key, _, value = word.partition("=")
            env[key] = value
    for path in settings.get("EnvironmentFile", []):
        optional = path.startswith("-")
        path = path.lstrip("-")
        if optional and not os.path.exists(path):
            continue
        env.update(read_env_file(path))
    env.update(overrides)
    return env


def command_line(line, instance, env):
    """One ExecStart= as argv, and whether its failure is ignored (a leading '-')."""
    prefix = re.match(r"[-@:+!]*", line).group(0)
    line = line[len(prefix) :]
    line = re.sub(r"%[iI%]", lambda m: "%" if m.group(0) == "%%" else instance or "", line)
    argv = []
    for word in shlex.split(line):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:  # $VAR alone: its value split on whitespace
            argv.extend(env.get(whole.group(1), "").split())
            continue
        argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m[1], ""), word))
    return argv, "-" in prefix


def prepare(args):
    settings = read_unit(args.unit, _pairs(args.replace, "--replace"))
    env = environment(settings, dict(_pairs(args.set, "--set")))
    if "WorkingDirectory" in settings:
        os.chdir(settings["WorkingDirectory"][-1].lstrip("-"))
    commands = [command_line(line, args.instance, env) for line in settings.get("ExecStart", [])]
    if not commands:
        sys.exit(f"units.py: {args.unit} has no ExecStart=")
    if args.extra:
        commands[-1][0].extend(args.extra)
    return env, commands


def cmd_exec(args):
    env, commands = prepare(args)
    if len(commands) != 1:
        sys.exit(f"units.py: exec wants one ExecStart=, {args.unit} has {len(commands)}")
    argv = commands[0][0]
    print(f"units.py: {os.path.basename(args.unit)}: {shlex.join(argv)}", file=sys.stderr)
    if args.pidfile:
        # Its own process group (pid == pgid), so the test can kill the master and its
        # workers at once, as a crashed machine would lose them.
        # PermissionError: already a process group leader (a shell with job control).
        with contextlib.suppress(PermissionError):
            os.setsid()
        with open(args.pidfile, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    os.execve(argv[0], argv, env)


def cmd_run(args):
    env, commands = prepare(args)
    for argv, may_fail in commands:
        print(f"units.py: {os.path.basename(args.unit)}: {shlex.join(argv)}", file=sys.stderr)
        status = subprocess.run(argv, env=env, check=False).returncode
        if status and not may_fail:
            sys.exit(status)


def cmd_env_run(args):
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/")}
    env.update(read_env_file(args.env_file))
    env.update(dict(_pairs(args.set, "--set")))
    if not args.extra:
        sys.exit("units.py: env-run ENVFILE -- COMMAND ...")
    os.execve(args.extra[0], args.extra, env)


def cmd_envfile(args):
    """Copy an environment file, giving some variables new values; each must be there."""
    wanted = dict(_pairs(args.values, "KEY=VALUE"))
    seen = set()
    out = []
    with open(args.example, encoding="utf-8") as handle:
        for line in handle:
            key = line.partition("=")[0].strip()
            if not line.lstrip().startswith("#") and key in wanted:
                line = f"{key}={wanted[key]}\n"
                seen.add(key)
            out.append(line)
    missing = sorted(set(wanted) - seen)
    if missing:
        sys.exit(f"units.py: {args.example} has no {', '.join(missing)}")
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.writelines(out)
    read_env_file(args.output)  # the result must parse


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for name, func in (("exec", cmd_exec), ("run", cmd_run)):
        one = sub.add_parser(name)
        one.add_argument("unit")
        one.add_argument("--instance")
        one.add_argument("--replace", action="append", metavar="OLD=NEW")
        one.add_argument("--set", action="append", metavar="KEY=VALUE")
        one.add_argument("--pidfile", help="exec: start a new session and write its pid here")
        one.set_defaults(func=func)
    env_run = sub.add_parser("env-run")
    env_run.add_argument("env_file")
    env_run.add_argument("--set", action="append", metavar="KEY=VALUE")
    env_run.set_defaults(func=cmd_env_run)
    envfile = sub.add_parser("envfile")
    envfile.add_argument("example")
    envfile.add_argument("output")
    envfile.add_argument("values", nargs="*", metavar="KEY=VALUE")
    envfile.set_defaults(func=cmd_envfile)
    # Everything after "--" is the command (env-run) or arguments appended to it (exec, run).
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.extra = argv[split + 1 :]
    args.func(args)


if __name__ == "__main__":
    main()
