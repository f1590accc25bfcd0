"""When a change selects the whole application: a build or dependency file changed, or a file
that neither the application's language analysis reads nor a mapping rule covers."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence

from orch.ports import AppImpact, ChangedFile, MappingRule

BUILD_FILES = (
    "Dockerfile", "Dockerfile.*", "*.dockerfile", "docker-compose*.yml", "docker-compose*.yaml",
    "compose*.yml", "compose*.yaml", "Makefile", "pom.xml", "build.gradle", "build.gradle.kts",
    "settings.gradle", "gradle.properties", ".github/*", ".gitlab-ci.yml", "Jenkinsfile",
    ".circleci/*", "azure-pipelines.yml", ".pre-commit-config.yaml",
)  # fmt: skip
"""Files whose change can break any test in ways no analysis sees, in every language (each
language's analysis adds its own: ``ChangeImpact.build_files``)."""


def whole_app_reason(
    files: Sequence[ChangedFile],
    rules: Sequence[MappingRule],
    build_files: Sequence[str],
    analysis: AppImpact,
) -> str:
    """Why ``files`` select the whole application ("" when they do not)."""
    patterns = (*BUILD_FILES, *build_files)
    for change in files:
        if matches(change.path, patterns):
            return f"build or dependency file {change.path} changed"
    for change in files:
        mapped = any(re.fullmatch(rule.source, change.path) for rule in rules)
        if not analysis.reads(change.path) and not mapped:
            return (
                f"non-{analysis.language} file {change.path} changed and no mapping rule covers "
                "it (add a mapping rule or select.ignore to narrow this)"
            )
    return ""


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` or its file name matches one of the glob ``patterns``."""
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(name, p) for p in patterns)
