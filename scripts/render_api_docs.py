"""Writes the gateway's HTTP API reference from the app's own OpenAPI document.

    PYTHONPATH=. .venv/svc/bin/python scripts/render_api_docs.py [--out docs/api]   (or: make api-docs)

Builds the app with ``gateway.main.create_app`` on safe settings (SQLite files in a temporary
folder, a fixed dummy token, no upstream, no notification worker, no migrations: nothing is
started and nothing goes over the network), takes ``app.openapi()`` and writes

  gateway-openapi.json  the document itself, keys sorted, so a diff shows what changed
  gateway.md            the same as Markdown (template: scripts/render_api_docs.md.j2)

tests/gateway/test_api_docs.py renders into a temporary folder and fails when docs/api/ differs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import jinja2

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "api"
TEMPLATE = Path(__file__).with_name("render_api_docs.md.j2")
JSON_NAME = "gateway-openapi.json"
MD_NAME = "gateway.md"
if str(ROOT) not in sys.path:  # run as a file: the repository's packages without PYTHONPATH
    sys.path.insert(0, str(ROOT))

# environment the settings read besides GATEWAY_* (gateway/core/config.py, gateway/console/settings.py)
_PLAIN_NAMES = {"DATABASE_URL", "KB_URL", "KB_API_TOKEN", "EVENTS_DB_URL", "REDIS_URL", "REDIS_KEY_PREFIX",
                "WECHAT_REDIS_PREFIX", "RASA_URL", "RASA_API_TOKEN", "RASA_TIMEOUT_S"}
_PLAIN_PREFIXES = ("GATEWAY_", "CONSOLE_")

# what the Markdown says about a security scheme of the document
SCHEME_TEXT = {
    "HTTPBearer": "bearer token (`Authorization: Bearer <token>`, a token of GATEWAY_API_TOKEN / GATEWAY_TOKENS)",
}


def _safe_environment(folder: Path) -> None:
    """The settings come from the environment: drop the caller's and point every store into ``folder``."""
    for name in list(os.environ):
        if name.startswith(_PLAIN_PREFIXES) or name in _PLAIN_NAMES:
            del os.environ[name]
    os.environ.update({
        "GATEWAY_API_TOKEN": "render-api-docs",
        "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
        "GATEWAY_EVENTS_DB_URL": f"sqlite:///{folder / 'events.db'}",
        "GATEWAY_ATTACHMENTS_DIR": str(folder / "attachments"),
        "GATEWAY_AUTO_MIGRATE": "false",
        "GATEWAY_NOTIFY_ENABLED": "false",
        "GATEWAY_KB_URL": "http://127.0.0.1:9",
        "GATEWAY_RASA_URL": "http://127.0.0.1:9",
    })


def build_openapi() -> dict[str, Any]:
    """``app.openapi()`` of a gateway built on throw-away settings (the lifespan never runs)."""
    with tempfile.TemporaryDirectory(prefix="render-api-docs-") as tmp:
        _safe_environment(Path(tmp))
        from gateway.console.settings import ConsoleSettings
        from gateway.core.config import Settings
        from gateway.main import create_app  # the module's own `app` is built on the same environment

        app = create_app(Settings(), ConsoleSettings())
        try:
            return app.openapi()
        finally:
            app.state.events_store.dispose()
            app.state.database.dispose()


# -- Markdown helpers (filters of the template) ------------------------------------------------
def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return "schema-" + name.lower()


def type_of(schema: dict[str, Any] | None) -> str:
    """A short type: `string`, `OrderOut` (linked), `array of ConversationTurn`, `string or null` …"""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{_anchor(name)})"
    if "const" in schema:
        return f"`{json.dumps(schema['const'], ensure_ascii=False)}`"
    if "enum" in schema:
        return " / ".join(f"`{v}`" for v in schema["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [type_of(s) for s in schema[key] if s.get("type") != "null"]
            text = " or ".join(dict.fromkeys(parts)) or "null"
            if any(s.get("type") == "null" for s in schema[key]):
                text += " or null"
            return text
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_of(schema.get('items'))}"
    if kind == "string" and (schema.get("format") == "binary" or "contentMediaType" in schema):
        return "file"
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    if isinstance(kind, list):
        return " or ".join(kind)
    return kind or "object"


_RULES = (
    ("minLength", "length ≥ {}"), ("maxLength", "length ≤ {}"), ("minimum", "≥ {}"), ("maximum", "≤ {}"),
    ("exclusiveMinimum", "> {}"), ("exclusiveMaximum", "< {}"), ("minItems", "≥ {} items"),
    ("maxItems", "≤ {} items"), ("pattern", "pattern `{}`"),
)


def rules_of(schema: dict[str, Any]) -> str:
    """Constraints, default and example of a field, also those inside `X or null`."""
    found: list[str] = []

    def collect(s: dict[str, Any]) -> None:
        for key, text in _RULES:
            if key in s:
                value = s[key]
                if isinstance(value, float) and value.is_integer():
                    value = int(value)  # 104857600, not 104857600.0
                rule = text.format(value)
                if rule not in found:
                    found.append(rule)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in s.get(key, []):
                collect(sub)

    collect(schema)
    if "default" in schema and schema["default"] not in (None, [], {}):
        found.append(f"default `{json.dumps(schema['default'], ensure_ascii=False)}`")
    if schema.get("examples"):
        found.append(f"e.g. `{json.dumps(schema['examples'][0], ensure_ascii=False)}`")
    return ", ".join(found)


def cell(text: object) -> str:
    """One Markdown table cell: no line breaks, no bare pipes."""
    return " ".join(str(text or "").split()).replace("|", "\\|")


class Document:
    """What the template needs, computed from the OpenAPI document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
        self.schemes: dict[str, Any] = spec.get("components", {}).get("securitySchemes", {})

    def resolve(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        while schema and "$ref" in schema:
            schema = self.schemas.get(_ref_name(schema["$ref"]), {})
        return schema or {}

    def fields(self, schema: dict[str, Any] | None) -> list[dict[str, str]]:
        """Rows of an object schema: name, type, required, rules, description."""
        resolved = self.resolve(schema)
        required = set(resolved.get("required", []))
        rows = []
        for name, prop in resolved.get("properties", {}).items():
            rows.append({
                "name": name,
                "type": type_of(prop),
                "required": "yes" if name in required else "",
                "rules": rules_of(prop),
                "description": prop.get("description", ""),
            })
        return rows

    def variants(self, schema: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The alternatives of a oneOf body (the lifecycle events), each named by its discriminator value."""
        schema = schema or {}
        mapping = {v: k for k, v in schema.get("discriminator", {}).get("mapping", {}).items()}
        out = []
        for sub in schema.get("oneOf", []):
            ref = sub.get("$ref", "")
            out.append({"name": _ref_name(ref) if ref else "", "value": mapping.get(ref, ""),
                        "description": self.resolve(sub).get("description", "")})
        return out

    def auth(self, operation: dict[str, Any]) -> str:
        security = operation.get("security", self.spec.get("security", []))
        names = [name for requirement in security for name in requirement]
        if not names:
            return "none (public)"
        return "; ".join(SCHEME_TEXT.get(name, f"`{name}`") for name in dict.fromkeys(names))

    def groups(self) -> list[dict[str, Any]]:
        """Operations by their first tag, in the order the app declares them."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for path, item in self.spec.get("paths", {}).items():
            for method, operation in item.items():
                if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                    continue
                tag = (operation.get("tags") or ["other"])[0]
                body = operation.get("requestBody", {})
                media, content = next(iter(body.get("content", {}).items()), ("", {}))
                body_schema = content.get("schema")
                groups.setdefault(tag, []).append({
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": (operation.get("description") or "").strip(),
                    "operation_id": operation.get("operationId", ""),
                    "auth": self.auth(operation),
                    "parameters": [{
                        "name": p["name"], "in": p["in"], "type": type_of(p.get("schema")),
                        "required": "yes" if p.get("required") else "", "rules": rules_of(p.get("schema", {})),
                        "description": p.get("description") or p.get("schema", {}).get("description", ""),
                    } for p in operation.get("parameters", [])],
                    "body": None if not body else {
                        "media": media,
                        "required": body.get("required", False),
                        "type": type_of(body_schema),
                        "fields": [] if "oneOf" in (body_schema or {}) else self.fields(body_schema),
                        "variants": self.variants(body_schema),
                        "discriminator": (body_schema or {}).get("discriminator", {}).get("propertyName", ""),
                    },
                    "responses": [{
                        "code": code,
                        "description": response.get("description", ""),
                        "type": ", ".join(type_of(c.get("schema")) for c in response.get("content", {}).values()
                                          if c.get("schema")),
                    } for code, response in sorted(operation.get("responses", {}).items())],
                })
        return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]

    def schema_list(self) -> list[dict[str, Any]]:
        out = []
        for name in sorted(self.schemas):
            schema = self.schemas[name]
            out.append({
                "name": name,
                "anchor": _anchor(name),
                "description": (schema.get("description") or "").strip(),
                "enum": schema.get("enum"),
                "fields": self.fields(schema),
                "closed": schema.get("additionalProperties") is False,
            })
        return out


def render_markdown(spec: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = cell
    doc = Document(spec)
    text = env.get_template(TEMPLATE.name).render(
        info=spec.get("info", {}), openapi=spec.get("openapi", ""), groups=doc.groups(), schemas=doc.schema_list(),
        schemes=doc.schemes, json_name=JSON_NAME,
    )
    return text.rstrip("\n") + "\n"


def render_json(spec: dict[str, Any]) -> str:
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render(out: Path) -> list[Path]:
    spec = build_openapi()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((JSON_NAME, render_json(spec)), (MD_NAME, render_markdown(spec))):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into (default: docs/api)")
    args = parser.parse_args(argv)
    for path in render(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
