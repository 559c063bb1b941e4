"""The public pretraining corpus's cleaning (bench/public-corpus/english_prose.py), without
fetching anything: what is kept, what is rewritten, and that text shared with the private corpus
is left out."""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    'english_prose', os.path.join(os.path.dirname(HERE), 'public-corpus', 'english_prose.py'))
english_prose = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(english_prose)

FORTUNE = ('A day without sunshine is like, you know, night, and the night is long '
           'when the coffee runs out.')


def private_dir(tmp_path):
    d = tmp_path / 'fortunes'
    d.mkdir()
    (d / 'misc').write_text('Short one.\n%\n' + FORTUNE + '\n\t\t-- Steve Martin\n%\n')
    (d / 'misc.dat').write_bytes(b'\x00\x01 not text')
    return str(d)


def run(paragraphs, private):
    return english_prose.cleaned(paragraphs, private)


def test_text_shared_with_the_private_corpus_is_left_out_whatever_its_case_and_spacing(tmp_path):
    private = english_prose.private_shingles(private_dir(tmp_path))
    quoted = 'As the comedian said:  "' + FORTUNE.upper().replace(' ', '\n   ') + '"'
    fresh = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.'
    kept, dropped = run([quoted, fresh], private)
    assert kept == [fresh]
    assert dropped == 1


def test_a_shorter_overlap_than_the_shingle_is_kept(tmp_path):
    private = english_prose.private_shingles(private_dir(tmp_path))
    # "a day without sunshine is like you know night" is 37 letters: under the 50 of a shingle
    p = 'They told me a day without sunshine is like, you know, night; I went out anyway.'
    assert run([p], private) == ([p], 0)


def test_typographic_characters_become_ascii_and_long_lines_are_wrapped():
    text = ('\u201cWhale\u201d\u2014so he said\u2019s the word\u2026 caf\u00e9 ' * 6).strip()
    (p,), _ = run([text], set())
    assert p.isascii()
    assert '"Whale"--so he said\'s the word... cafe' in p.replace('\n', ' ')
    assert max(len(line) for line in p.split('\n')) <= 72


def test_percent_lines_and_short_paragraphs_never_reach_the_file():
    long_enough = 'first line of a paragraph that is long enough\n%\nand its last line'
    kept, _ = run([long_enough, 'too short to keep'], set())
    assert kept == ['first line of a paragraph that is long enough\nand its last line']


def test_addresses_are_cut_into_paragraphs_of_whole_sentences_from_1900_on(tmp_path):
    sentence = 'The state of the Union is strong, and the Congress has work to do this year. '
    (tmp_path / '1899_someone_r.txt').write_text('Old text. ' * 100)
    (tmp_path / '1901_someone_r.txt').write_text(sentence * 20)
    paragraphs = list(english_prose.sotu_paragraphs(str(tmp_path)))
    assert len(paragraphs) == 3  # 7 + 7 + 6 sentences: each paragraph ends at >= 500 characters
    assert all(p.startswith('The state') and p.endswith('year.') for p in paragraphs)
    assert 'Old text' not in ''.join(paragraphs)
