import pytest
import yaml

from core.catalogue import load_catalogue
from core.errors import CatalogueError
from tests.support.catalogues import edit_role


def _ids(directory) -> set[str]:
    """The role ids of a catalogue directory, read from the files (what a clean load must give)."""
    return {yaml.safe_load(p.read_text())["id"] for p in directory.glob("*.yaml") if p.name != "expert-claims.yaml"}


def test_shipped_catalogue_is_valid(catalogue_dir):
    cat = load_catalogue(catalogue_dir)
    assert {"mlops-engineer", "devops-engineer", "cloud-architect"} <= set(cat.roles)
    mlops = cat.get("mlops-engineer")
    assert mlops.tr == 3.05 and mlops.pct_time_3plus == 70 and mlops.barrier_sum == 1
    assert mlops.baseline_evidence_total == 5
    devops = cat.get("devops-engineer")
    assert not devops.has_task_table and devops.tr == 1.70 and devops.baseline_evidence_total == -5


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["tasks"][0].update(time_pct=25), "tasks: time_pct sums to 105"),
    (lambda d: d["tasks"][1].update(score=6), "tasks.1.score"),
    (lambda d: d.update(colour="blue"), "colour: unknown key"),
    (lambda d: d["barriers"]["liability"].update(weight=2), "barriers.liability.weight: unknown key"),
    (lambda d: d.pop("title"), "title: Field required"),
    (lambda d: d["evidence"]["wage_trends"].update(score=3), "evidence.wage_trends.score"),
    (lambda d: d["tasks"][0].update(involvement="MAYBE"), "tasks.0.involvement"),
])
def test_invalid_role_names_file_and_field(catalogue_dir, mutate, needle):
    path = edit_role(catalogue_dir, "mlops-engineer", mutate)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(catalogue_dir)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_bad_yaml_names_file_and_line(catalogue_dir):
    path = catalogue_dir / "mlops-engineer.yaml"
    path.write_text("id: mlops-engineer\ntitle: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"mlops-engineer\.yaml: line \d+ bad YAML"):
        load_catalogue(catalogue_dir)


def test_duplicate_id_is_rejected(catalogue_dir):
    (catalogue_dir / "copy.yaml").write_text((catalogue_dir / "devops-engineer.yaml").read_text())
    with pytest.raises(CatalogueError, match="duplicate id 'devops-engineer'"):
        load_catalogue(catalogue_dir)


def test_totals_only_role_needs_a_citation(catalogue_dir):
    edit_role(catalogue_dir, "devops-engineer", lambda d: d["task_resistance"].pop("citation"))
    with pytest.raises(CatalogueError, match="task_resistance.citation: Field required"):
        load_catalogue(catalogue_dir)


def test_an_edit_changes_the_content_hash(catalogue_dir):
    before = load_catalogue(catalogue_dir).hashes["mlops-engineer"]
    edit_role(catalogue_dir, "mlops-engineer", lambda d: d["tasks"][0].update(rationale="reworded"))
    assert load_catalogue(catalogue_dir).hashes["mlops-engineer"] != before


def test_lenient_load_skips_the_bad_file_and_reports_it(catalogue_dir):
    path = edit_role(catalogue_dir, "cloud-architect", lambda d: d.update(growth={"score": 7}))
    cat = load_catalogue(catalogue_dir, strict=False)
    assert set(cat.roles) == _ids(catalogue_dir) - {"cloud-architect"}
    assert len(cat.errors) == 1 and str(path) in cat.errors[0] and "growth.score" in cat.errors[0]


def _load_within(directory, timeout=60.0, **kwargs):
    """load_catalogue in a thread, so a loader that blocks fails the test instead of hanging it."""
    import threading

    out: dict = {}

    def load():
        try:
            out["catalogue"] = load_catalogue(directory, **kwargs)
        except CatalogueError as exc:
            out["error"] = exc

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "the catalogue loader blocked"
    return out


def test_a_fifo_named_yaml_is_a_catalogue_error_not_a_hang(catalogue_dir):
    import os

    shipped = _ids(catalogue_dir)
    fifo = catalogue_dir / "zz-stray.yaml"
    os.mkfifo(fifo)
    try:
        strict = _load_within(catalogue_dir)
        assert f"{fifo}: not a regular file (a FIFO)" in str(strict["error"])
        lenient = _load_within(catalogue_dir, strict=False)["catalogue"]
        assert set(lenient.roles) == shipped
        assert [e for e in lenient.errors if str(fifo) in e]
    finally:
        try:  # a loader still blocked in open() is released by a writer coming and going
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # no reader waiting: nothing to release


def test_a_directory_and_an_oversized_file_are_catalogue_errors(catalogue_dir):
    shipped = _ids(catalogue_dir)
    (catalogue_dir / "folder.yaml").mkdir()
    big = catalogue_dir / "big.yaml"
    big.write_text("# padding\n" * 200_000)
    cat = load_catalogue(catalogue_dir, strict=False)
    assert set(cat.roles) == shipped
    assert any("folder.yaml: not a regular file (a directory)" in e for e in cat.errors), cat.errors
    assert any(f"{big}: 2000000 bytes, over the 1000000-byte cap" in e for e in cat.errors), cat.errors


def test_two_files_with_one_id_load_neither_and_name_both(catalogue_dir):
    stray = catalogue_dir / "mlops-engineer-old.yaml"  # sorts before mlops-engineer.yaml
    doc = yaml.safe_load((catalogue_dir / "mlops-engineer.yaml").read_text())
    for task in doc["tasks"]:
        task["score"] = 5  # a stale copy that would score the role Red
    stray.write_text(yaml.safe_dump(doc, sort_keys=False))
    cat = load_catalogue(catalogue_dir, strict=False)
    assert set(cat.roles) == _ids(catalogue_dir) - {"mlops-engineer"}
    (error,) = cat.errors
    assert "duplicate id 'mlops-engineer'" in error and str(stray) in error
    assert str(catalogue_dir / "mlops-engineer.yaml") in error
    with pytest.raises(CatalogueError, match=r"mlops-engineer-old\.yaml and .*mlops-engineer\.yaml: id: duplicate id"):
        load_catalogue(catalogue_dir)


# --- whose inputs: a split of a published total, jobzone's own assessment -----------------------
@pytest.mark.parametrize("role_id,mutate,needle", [
    ("devops-engineer", lambda d: d["evidence"]["wage_trends"].update(score=1),
     "evidence: the split sums to -3, not the published evidence_total -5"),
    ("devops-engineer", lambda d: d["evidence"]["wage_trends"].update(origin="published"),
     "evidence.wage_trends.origin: beside the published evidence_total every dimension is a split of it"),
    ("devops-engineer", lambda d: d.pop("evidence_total"),
     "a split needs the published evidence_total it splits"),
    ("mlops-engineer", lambda d: d["evidence"]["company_actions"].update(origin="jobzone"),
     "evidence.company_actions.origin: 'jobzone' in a 'published' assessment"),
    ("data-analyst", lambda d: d["evidence"]["wage_trends"].update(origin="published"),
     "evidence.wage_trends.origin: 'published' in a 'jobzone' assessment (expected jobzone)"),
    ("data-analyst", lambda d: d.pop("protective"), "protective: a jobzone assessment gives it in full"),
    ("data-analyst", lambda d: d.update(growth={"score": -1}), "growth.rationale: a jobzone assessment says why"),
    ("data-analyst", lambda d: d.pop("published"), "published: assessment 'jobzone' needs the published card"),
])
def test_whose_inputs_a_role_is_scored_on_is_checked(catalogue_dir, role_id, mutate, needle):
    path = edit_role(catalogue_dir, role_id, mutate)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(catalogue_dir)
    assert str(path) in str(err.value) and needle in str(err.value)
