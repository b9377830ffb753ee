"""The project's copies of shared data must stay identical to their sources."""
import filecmp

import pytest

from tests.conftest import DEMO_ESTATE, SAMPLES, SHARED_DEMO


@pytest.mark.skipif(not SHARED_DEMO.is_dir(), reason="../shared is not beside this clone")
def test_demo_estate_is_identical_to_shared_fixtures():
    names = sorted(p.name for p in SHARED_DEMO.iterdir())
    assert names == sorted(p.name for p in DEMO_ESTATE.iterdir() if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(SHARED_DEMO, DEMO_ESTATE, names, shallow=False)
    assert (mismatch, errors) == ([], [])


@pytest.mark.skipif(not (SHARED_DEMO.parent.parent / "samples").is_dir(), reason="../shared is not beside this clone")
def test_samples_are_identical_to_shared_samples():
    shared = SHARED_DEMO.parent.parent / "samples"
    names = sorted(p.name for p in shared.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(shared, SAMPLES, names, shallow=False)
    assert (mismatch, errors) == ([], [])
