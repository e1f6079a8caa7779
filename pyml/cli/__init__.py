"""The ``pyml`` command line: ``pyml tour``, ``pyml info``, ``pyml --version``."""
import argparse
import sys

__all__ = ["main"]


def _build_parser():
    from pyml import __version__

    parser = argparse.ArgumentParser(prog="pyml", description="pyml: the Machine Learning Specialization, compiled.")
    parser.add_argument("-V", "--version", action="version", version=f"pyml {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="show version, compiler, OpenMP and thread configuration")
    tour = sub.add_parser("tour", help="run the course chapters end to end on bundled data")
    tour.add_argument("--out", default="pyml-tour", help="folder for figures (default: ./pyml-tour)")
    tour.add_argument("--chapter", action="append", help="run only this chapter (repeatable)")
    tour.add_argument("--list", action="store_true", help="list the chapters and exit")
    tour.add_argument("--no-sklearn", action="store_true",
                      help="skip the scikit-learn comparison columns (skipped anyway when scikit-learn is absent)")
    return parser


def main(argv=None):
    """Entry point of the ``pyml`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        from pyml._config import show_config

        show_config()
        return 0
    if args.command == "tour":
        from pyml.cli.tour import check_chapters, check_out_dir, run_tour

        problem = check_chapters(args.chapter) or (None if args.list else check_out_dir(args.out))
        if problem:
            parser.exit(2, f"pyml tour: {problem}\n")
        return run_tour(out=args.out, chapters=args.chapter, list_only=args.list, use_sklearn=not args.no_sklearn)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
