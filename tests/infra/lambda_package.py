"""What the deployed functions can import besides the stdlib and their own code: the layer (the
closure of functions/requirements.txt) and the SDK the Lambda Python runtime brings."""
from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.packaging import REQUIREMENTS

# boto3 and its dependencies come with the python3.12 runtime (functions/requirements.txt leaves them out).
RUNTIME_SDK = ("boto3",)
# The Lambda platform, for dependency markers (`python_version < "3.13"`, `sys_platform == "win32"`).
LAMBDA_ENV = {
    "python_version": "3.12", "python_full_version": "3.12.0", "implementation_name": "cpython",
    "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
    "platform_machine": "x86_64", "os_name": "posix", "extra": "",
}


def requirement_lines() -> list[Requirement]:
    lines = (re.sub(r"#.*", "", line).strip() for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def dependencies(name: str) -> set[str]:
    """The installed distribution's own requirements on the Lambda platform (no extras)."""
    found = set()
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(LAMBDA_ENV):
            found.add(canonicalize_name(requirement.name))
    return found


def closure(names: set[str]) -> set[str]:
    todo, seen = set(names), set()
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= dependencies(name) - seen
    return seen


def lambda_distributions() -> set[str]:
    return closure({canonicalize_name(r.name) for r in requirement_lines()} | set(RUNTIME_SDK))


def lambda_modules() -> set[str]:
    """Top-level import names of those distributions, as installed here."""
    allowed = lambda_distributions()
    return {module for module, dists in metadata.packages_distributions().items()
            if any(canonicalize_name(d) in allowed for d in dists)}

