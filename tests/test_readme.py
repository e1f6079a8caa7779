"""Every Python example in README.md runs as written (in a fresh interpreter, outside the source tree)."""
import pathlib
import re
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S) if README.exists() else []


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path):
    pytest.importorskip("sklearn")
    script = tmp_path / f"example_{index}.py"
    script.write_text(BLOCKS[index], encoding="utf-8")
    result = subprocess.run([sys.executable, "-W", "error::UserWarning", str(script)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env={"MPLBACKEND": "Agg", "PATH": ""})
    assert result.returncode == 0, f"README example {index} failed:\n{BLOCKS[index]}\n{result.stderr[-3000:]}"


def test_readme_has_examples():
    assert len(BLOCKS) >= 5
