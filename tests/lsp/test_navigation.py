"""Definition, references and rename of handlers, includes, parameters and locals."""

import pytest
from switchy_lsp.features.navigation import definition, references
from switchy_lsp.features.rename import RenameError, prepare, rename

from tests.support.lsp import analysed, at

COMMON = '''handler bridge2dest(out_profile=none, gateway=none) {
    bridge(profile=out_profile, gateway=gateway)
}
'''
MAIN = '''include "common.swr"
route a "1(.*)" -> bridge2dest(gateway="gw1")
route b "2(.*)" {
    did = $1
    setvar("dialled", did)
    bridge2dest(out_profile="internal")
}
'''


@pytest.fixture
def files(tmp_path):
    (tmp_path / "common.swr").write_text(COMMON)
    (tmp_path / "main.swr").write_text(MAIN)
    return tmp_path


def where(locations):
    return [(loc.uri.rsplit("/", 1)[-1], loc.range.start.line, loc.range.start.character,
             loc.range.end.character) for loc in locations]


def test_definition_of_a_handler_in_an_included_file(files):
    main = analysed(MAIN, files / "main.swr")
    assert where(definition(main, at(MAIN, "bridge2dest(gateway", 3))) == [("common.swr", 0, 8, 19)]


def test_definition_of_an_include_is_the_file(files):
    main = analysed(MAIN, files / "main.swr")
    assert where(definition(main, at(MAIN, "common.swr"))) == [("common.swr", 0, 0, 0)]


def test_definition_of_a_keyword_argument_is_the_parameter(files):
    main = analysed(MAIN, files / "main.swr")
    assert where(definition(main, at(MAIN, 'out_profile="'))) == [("common.swr", 0, 20, 31)]


def test_definition_of_a_local_and_a_set_variable():
    text = 'route b "2(.*)" {\n    did = $1\n    setvar("dialled", did)\n    log(f"{variable_dialled}")\n}\n'
    analysis = analysed(text)
    assert where(definition(analysis, at(text, "did)"))) == [("t.swr", 1, 4, 7)]
    assert where(definition(analysis, at(text, "variable_dialled", 3))) == [("t.swr", 2, 11, 20)]


def test_references_of_a_handler_across_files(files):
    main = analysed(MAIN, files / "main.swr")
    common = analysed(COMMON, files / "common.swr")
    offset = at(COMMON, "bridge2dest")
    # asked in the file that declares it, the calls are found in the file that includes it
    found = where(references(common, offset, True, [main]))
    assert found == [("common.swr", 0, 8, 19), ("main.swr", 1, 19, 30), ("main.swr", 5, 4, 15)]
    assert len(references(common, offset, False, [main])) == 2


def test_a_handler_of_the_same_name_elsewhere_is_another_handler(files):
    other_text = 'handler bridge2dest() { answer() }\nroute x -> bridge2dest()\n'
    other = analysed(other_text, files / "other.swr")
    common = analysed(COMMON, files / "common.swr")
    found = where(references(common, at(COMMON, "bridge2dest"), True, [other]))
    assert found == [("common.swr", 0, 8, 19)]


def test_references_of_an_included_file(files):
    main = analysed(MAIN, files / "main.swr")
    second_text = 'include "common.swr"\n'
    second = analysed(second_text, files / "second.swr")
    assert where(references(main, at(MAIN, "common"), True, [second])) == [
        ("main.swr", 0, 8, 20), ("second.swr", 0, 8, 20)]


def test_references_of_a_parameter_include_the_keyword_arguments_filling_it(files):
    main = analysed(MAIN, files / "main.swr")
    common = analysed(COMMON, files / "common.swr")
    found = where(references(main, at(MAIN, 'out_profile="'), True, []))
    assert found == [("common.swr", 0, 20, 31), ("common.swr", 1, 19, 30), ("main.swr", 5, 16, 27)]
    assert where(references(common, at(COMMON, "gateway)"), False, [])) == [("common.swr", 1, 40, 47)]


def test_rename_a_handler_everywhere(files):
    main = analysed(MAIN, files / "main.swr")
    common = analysed(COMMON, files / "common.swr")
    offset = at(MAIN, "bridge2dest(gateway")
    assert prepare(main, offset).start.character == 19
    edit = rename(main, offset, "to_pbx", [common])
    changes = {uri.rsplit("/", 1)[-1]: sorted((e.range.start.line, e.range.start.character, e.new_text)
                                             for e in edits) for uri, edits in edit.changes.items()}
    assert changes == {"common.swr": [(0, 8, "to_pbx")],
                       "main.swr": [(1, 19, "to_pbx"), (5, 4, "to_pbx")]}


@pytest.mark.parametrize(("new", "why"), [
    ("2bad", "not a valid handler name"), ("route", "is a keyword"),
    ("bridge", "name of an action"), ("hour", "name of an action or built-in"),
])
def test_rename_refuses_names_that_would_break_the_dialplan(files, new, why):
    main = analysed(MAIN, files / "main.swr")
    with pytest.raises(RenameError, match=why):
        rename(main, at(MAIN, "bridge2dest(gateway"), new)


def test_rename_refuses_an_existing_handler_and_what_is_not_a_handler(files):
    text = COMMON + "handler other() { answer() }\nroute r -> other()\n"
    analysis = analysed(text, files / "c2.swr")
    with pytest.raises(RenameError, match="already exists"):
        rename(analysis, at(text, "bridge2dest"), "other")
    with pytest.raises(RenameError, match="only handlers"):
        prepare(analysis, at(text, "bridge(", 1))
