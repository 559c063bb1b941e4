"""A public English corpus for pretraining the character language model before DP fine-tuning on
private text (model.init-from): the reStructuredText sources of Python's documentation, from
Debian's python3.11-doc package, as paragraphs in the fortunes format (records separated by "%"
lines), so `data.format = fortunes` reads it. Paragraphs of fewer than 40 characters, Sphinx
directives ("..") and paragraphs that start with "%" are left out; non-ASCII characters become "?". Stops after about 6 MB.

  apt-get install python3.11-doc
  python3 spark-dpsgd-jobs/bench/public-corpus/python_docs.py target/public-corpus/python-docs
"""
import glob
import os
import re
import sys

SOURCES = '/usr/share/doc/python3.11/html/_sources'
LIMIT = 6_000_000


def paragraphs():
    for path in sorted(glob.glob(SOURCES + '/**/*.txt', recursive=True)):
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
        for p in re.split(r'\n\s*\n', text):
            p = p.encode('ascii', 'replace').decode().rstrip()
            if len(p) >= 40 and not p.lstrip().startswith('..') and not p.strip().startswith('%'):
                # a line holding only "%" would end the record early
                yield '\n'.join(line for line in p.split('\n') if line.strip() != '%')


def main(out_dir):
    if not os.path.isdir(SOURCES):
        sys.exit(f'{SOURCES} is missing: apt-get install python3.11-doc')
    os.makedirs(out_dir, exist_ok=True)
    total = count = 0
    with open(os.path.join(out_dir, 'python-docs'), 'w') as out:
        for p in paragraphs():
            out.write(p + '\n%\n')
            total += len(p)
            count += 1
            if total > LIMIT:
                break
    print(f'{count} paragraphs, {total} characters in {out_dir}/python-docs')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'target/public-corpus/python-docs')
