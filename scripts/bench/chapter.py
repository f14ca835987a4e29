"""Finds the URL path of a chapter on trajet's passenger API, as a reader would:
catalog -> manifest -> readingOrder, keeping the first chapter whose body holds
MARKER. Prints the path, or nothing (exit 1) when the routes are not there.

usage: chapter.py BASE_URL COOKIE TITLE_WORD MARKER
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def get(base, cookie, path):
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def main():
    base, cookie, title_word, marker = sys.argv[1:5]
    try:
        catalog = json.loads(get(base, cookie, "/api/v1/catalog"))
        titles = catalog.get("titles", catalog) if isinstance(catalog, dict) else catalog
        title = next(t for t in titles if title_word.lower() in json.dumps(t).lower())
        manifest_path = f"/api/v1/titles/{title['id']}/manifest"
        manifest = json.loads(get(base, cookie, manifest_path))
        for link in manifest.get("readingOrder", []):
            path = urllib.parse.urljoin(manifest_path, link["href"])
            if marker.encode() in get(base, cookie, path):
                print(path)
                return 0
    except (urllib.error.URLError, ValueError, KeyError, StopIteration, TypeError) as e:
        print(f"chapter route not found: {e!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
