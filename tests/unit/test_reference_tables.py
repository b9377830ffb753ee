from lsc.local.reference_tables import README, render


def test_readme_tables_are_generated_from_the_column_list_and_catalog():
    text = README.read_text()
    assert "<!-- generated:datasets -->" in text and "<!-- generated:views -->" in text
    assert render(text) == text, "README tables are stale: run `.venv/bin/python -m lsc.local.reference_tables`"
