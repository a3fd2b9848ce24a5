"""xlsxml.py - what the hand-written .xlsx writers share (bigxlsx.py,
sheets.py): the shared-string table and a column's letters."""


class Strings:
    """The shared strings of a workbook, in order of first use."""

    def __init__(self):
        self.shared, self._index = [], {}

    def id(self, s):
        i = self._index.get(s)
        if i is None:
            i = self._index[s] = len(self.shared)
            self.shared.append(s)
        return i


def col(i):
    """The letters of 0-based column i: A, ..., Z, AA, ..."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
