"""What can be checked of compose.yaml without Docker (deploy/test/e2e.sh, when `docker
compose config` is not available): the services the README promises, references between
them, the files they mount, and that the nginx service's replacements still match the kit's
nginx config (render.sh fails on a replacement that matches nothing).

    compose_check.py compose.yaml
"""

import re
import subprocess
import sys
from pathlib import Path

import yaml

SERVICES = {"db", "redis", "migrate", "app1", "app2", "outbox", "nginx"}


def main(path):
    root = Path(path).resolve().parent
    compose = yaml.safe_load(Path(path).read_text())
    services = compose["services"]
    problems = []
    if set(services) != SERVICES:
        problems.append(f"services {sorted(services)}, expected {sorted(SERVICES)}")
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for other in depends if isinstance(depends, dict | list) else ():
            if other not in services:
                problems.append(f"{name} depends on unknown service {other}")
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):  # ${VAR:-default} as its default, then source:target
                volume = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", volume)
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                # deploy/tls holds the site's certificate, which no checkout carries.
                if not (root / source).exists() and source != "./deploy/tls":
                    problems.append(f"{name} mounts {source}, which does not exist")
            elif source not in (compose.get("volumes") or {}):
                problems.append(f"{name} uses undeclared volume {source}")
        if "build" in service and not (root / service["build"] / "Dockerfile").exists():
            problems.append(f"{name} builds from {service['build']} without a Dockerfile")
    command = " ".join(services["nginx"]["command"])
    pairs = re.findall(r"render\.sh \S+((?: \S+=\S+)+)", command)
    if not pairs:
        problems.append("the nginx service does not render the kit's config with render.sh")
    else:
        rendered = subprocess.run(
            [
                "sh",
                str(root / "deploy/nginx/render.sh"),
                str(root / "deploy/nginx/civic-day.conf"),
                *pairs[0].split(),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if rendered.returncode:
            problems.append(f"nginx replacements: {rendered.stderr.strip()}")
    for problem in problems:
        print(f"compose.yaml: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"compose.yaml: {len(services)} services, references, mounts and nginx replacements ok")


if __name__ == "__main__":
    main(sys.argv[1])
