/* TextL2Book's per-level loop, its top-N read and its checksum, compiled; and
 * TextL2Book.apply_json, which reads a push's levels straight from the JSON text the
 * venue sent (no Python object per row: a level's price text is looked up, its size
 * text kept, a price parsed only for a new level).
 *
 * Same data as the pure-Python text store (text_levels.py), same results, same errors.
 * A side is two containers shared with Python:
 *   keys     dict  price text -> entry, for the levels held
 *   levels   list  the entries, best last (bids by ascending price, asks descending)
 * and an entry is the list [price, price text, size], the size being the text as the
 * venue sent it (converted to a quantity only when read) or, for a level loaded from
 * numbers, the quantity itself. A level already held is found by its text and updated
 * by swapping one pointer: no float is built for it, no dict is written.
 *
 * Sizes are still read on every update, here in C: a zero size removes the level and
 * a size that is not a real quantity is refused. Plain decimals ("41.1") are read
 * exactly as float() reads them (one correctly rounded operation); any other text goes
 * to Python's float(), so what is accepted is exactly what float() accepts.
 * Built by the package's own build when a C compiler is there (setup.py); the
 * Python store stays the reference and is used when this is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static PyObject *name_px, *name_sz; /* interned "px", "sz" */
static PyObject *side_bid, *side_ask; /* "bid", "ask": the side bad_level names */

#define SHORT_TEXT 64 /* size text + suffix that fits the stack buffer */

/* -- reading rows ------------------------------------------------------------------ */

/* Where a row type keeps px and sz: a slot offset each when both are plain object
 * members (msgspec structs, __slots__ classes), else -1 (attribute lookup). */
typedef struct {
    PyTypeObject *type;
    Py_ssize_t px_offset, sz_offset;
} RowLayout;

static Py_ssize_t
member_offset(PyTypeObject *type, PyObject *name)
{
    PyObject *descr = PyObject_GetAttr((PyObject *)type, name);
    if (descr == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t offset = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
        if (member->type == T_OBJECT_EX || member->type == T_OBJECT)
            offset = member->offset;
    }
    Py_DECREF(descr);
    return offset;
}

/* px and sz of one row (any object with px and sz attributes), borrowed unless
 * `owned` is set. */
static int
row_texts(PyObject *row, RowLayout *layout, PyObject **px, PyObject **sz, PyObject **owned)
{
    *owned = NULL;
    PyTypeObject *type = Py_TYPE(row);
    if (layout->type != type) {
        layout->type = type;
        layout->px_offset = member_offset(type, name_px);
        layout->sz_offset = member_offset(type, name_sz);
    }
    if (layout->px_offset >= 0 && layout->sz_offset >= 0) {
        *px = *(PyObject **)((char *)row + layout->px_offset);
        *sz = *(PyObject **)((char *)row + layout->sz_offset);
        if (*px != NULL && *sz != NULL)
            return 0;
    }
    /* anything else (a named tuple, a property): by name, as Python reads it */
    PyObject *pair = PyTuple_New(2);
    if (pair == NULL)
        return -1;
    PyObject *a = PyObject_GetAttr(row, name_px);
    if (a == NULL) {
        Py_DECREF(pair);
        return -1;
    }
    PyTuple_SET_ITEM(pair, 0, a);
    PyObject *b = PyObject_GetAttr(row, name_sz);
    if (b == NULL) {
        Py_DECREF(pair);
        return -1;
    }
    PyTuple_SET_ITEM(pair, 1, b);
    *owned = pair;
    *px = a;
    *sz = b;
    return 0;
}

/* The UTF-8 text of a str: its own bytes when it is ASCII (no call, no copy). */
static inline const char *
text_of(PyObject *str, Py_ssize_t *len)
{
    if (PyUnicode_IS_COMPACT_ASCII(str)) {
        *len = PyUnicode_GET_LENGTH(str);
        return (const char *)PyUnicode_DATA(str);
    }
    return PyUnicode_AsUTF8AndSize(str, len);
}

/* -- sizes ------------------------------------------------------------------------- */

/* How sizes are read: `text + suffix` as a float, or a Python function of the text. */
typedef struct {
    PyObject *size;  /* the suffix (str) or the function */
    const char *suffix;
    Py_ssize_t suffix_len;
    int plain;       /* the suffix is "" or "e<integer>": plain decimals are read here */
    int exponent;    /* that integer */
} SizeReader;

static int
size_reader(PyObject *size, SizeReader *reader)
{
    reader->size = size;
    reader->suffix = NULL;
    reader->suffix_len = 0;
    reader->plain = 0;
    reader->exponent = 0;
    if (PyUnicode_Check(size)) {
        reader->suffix = PyUnicode_AsUTF8AndSize(size, &reader->suffix_len);
        if (reader->suffix == NULL)
            return -1;
        const char *s = reader->suffix;
        Py_ssize_t n = reader->suffix_len, i = 1;
        if (n == 0) {
            reader->plain = 1;
        }
        else if (s[0] == 'e' && n <= 4) {
            int negative = 0, value = 0;
            if (i < n && (s[i] == '-' || s[i] == '+'))
                negative = s[i++] == '-';
            reader->plain = i < n;
            for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9') {
                    reader->plain = 0;
                    break;
                }
                value = value * 10 + (s[i] - '0');
            }
            reader->exponent = negative ? -value : value;
        }
        return 0;
    }
    if (!PyCallable_Check(size)) {
        PyErr_SetString(PyExc_TypeError, "size must be a suffix (str) or a function");
        return -1;
    }
    return 0;
}

static int
as_double(PyObject *obj, double *out)
{
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
        return 0;
    }
    *out = PyFloat_AsDouble(obj);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Digits with at most one point, times 10**exponent: 1 and the value when it is one
 * correctly rounded operation on exact doubles (a mantissa below 2**53, a power of ten
 * up to 1e22, which doubles hold exactly), so the same float strtod gives; else 0. */
static int
plain_decimal(const char *s, Py_ssize_t len, int exponent, double *out)
{
    uint64_t mantissa = 0;
    int digits = 0, point = 0, fraction = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (++digits > 18)
                return 0;
            mantissa = mantissa * 10 + (uint64_t)(c - '0');
            fraction += point;
        }
        else if (c == '.' && !point) {
            point = 1;
        }
        else {
            return 0;
        }
    }
    if (digits == 0 || mantissa > ((uint64_t)1 << 53))
        return 0;
    int scale = exponent - fraction;
    if (scale < -22 || scale > 22)
        return 0;
    double value = (double)mantissa;
    *out = scale >= 0 ? value * POW10[scale] : value / POW10[-scale];
    return 1;
}

/* The quantity a size stands for: float(text + suffix), or size(text); a number (a
 * level loaded from numbers) is its own quantity. ValueError as float() raises it. */
static int
read_size(SizeReader *reader, PyObject *sz, double *out)
{
    if (PyFloat_CheckExact(sz)) {
        *out = PyFloat_AS_DOUBLE(sz);
        return 0;
    }
    if (reader->suffix == NULL) {
        PyObject *value = PyObject_CallOneArg(reader->size, sz);
        if (value == NULL)
            return -1;
        int err = as_double(value, out);
        Py_DECREF(value);
        return err;
    }
    if (!PyUnicode_Check(sz)) {
        PyErr_Format(PyExc_TypeError, "a level's size must be text, got %R", sz);
        return -1;
    }
    Py_ssize_t len;
    const char *text = text_of(sz, &len);
    if (text == NULL)
        return -1;
    if (reader->plain && plain_decimal(text, len, reader->exponent, out))
        return 0;
    /* anything else (exponents, signs, "nan", spaces, underscores, errors): float() */
    PyObject *whole = reader->suffix_len ? PyUnicode_Concat(sz, reader->size) : Py_NewRef(sz);
    if (whole == NULL)
        return -1;
    PyObject *value = PyFloat_FromString(whole);
    Py_DECREF(whole);
    if (value == NULL)
        return -1;
    *out = PyFloat_AS_DOUBLE(value);
    Py_DECREF(value);
    return 0;
}

/* -- the ordered levels -------------------------------------------------------------- */

/* The sort key of an entry: its price, negated for asks (best last either way). */
static inline double
entry_key(PyObject *entry, int negate)
{
    double price = PyFloat_AS_DOUBLE(PyList_GET_ITEM(entry, 0));
    return negate ? -price : price;
}

static int
check_entry(PyObject *entry)
{
    if (!PyList_CheckExact(entry) || PyList_GET_SIZE(entry) != 3 ||
        !PyFloat_CheckExact(PyList_GET_ITEM(entry, 0))) {
        PyErr_Format(PyExc_TypeError, "a level entry must be [price, text, size], got %R", entry);
        return -1;
    }
    return 0;
}

/* First index whose key is >= key. */
static int
bisect_left(PyObject *levels, double key, int negate, Py_ssize_t *out)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(levels);
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        PyObject *entry = PyList_GET_ITEM(levels, mid);
        if (check_entry(entry) < 0)
            return -1;
        if (entry_key(entry, negate) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

/* Raise what bad_level(side, price, qty) returns (a MalformedMessage). */
static void
raise_bad(PyObject *bad_level, PyObject *side, PyObject *price, double qty)
{
    PyObject *q = PyFloat_FromDouble(qty);
    if (q == NULL)
        return;
    PyObject *exc = PyObject_CallFunctionObjArgs(bad_level, side, price, q, NULL);
    Py_DECREF(q);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

/* One level of one side, given as its price and size text (both exact str): the body
 * of the per-level loop of apply_side and apply_json. 0, or -1 with an exception. */
static int
apply_row(PyObject *px, PyObject *sz, PyObject *keys, PyObject *levels, int negate,
          SizeReader *reader, PyObject *side, PyObject *bad_level)
{
    double q;
    if (read_size(reader, sz, &q) < 0)
        return -1;
    PyObject *entry = PyDict_GetItemWithError(keys, px); /* borrowed */
    if (entry != NULL) {
        /* a level held: its price was checked when it entered */
        if (check_entry(entry) < 0)
            return -1;
        if (0.0 < q && q < INFINITY) {
            Py_INCREF(sz);
            PyList_SetItem(entry, 2, sz); /* steals; drops the old size */
        }
        else if (q == 0.0) {
            Py_ssize_t at;
            if (bisect_left(levels, entry_key(entry, negate), negate, &at) < 0)
                return -1;
            /* the list holds the entry until after its key is gone */
            if (PyDict_DelItem(keys, px) < 0 || PyList_SetSlice(levels, at, at + 1, NULL) < 0)
                return -1;
        }
        else {
            raise_bad(bad_level, side, PyList_GET_ITEM(entry, 0), q);
            return -1;
        }
        return 0;
    }
    if (PyErr_Occurred())
        return -1;
    /* a new price: a plain decimal is read here, as float() reads it; the rest by float() */
    Py_ssize_t px_len;
    const char *px_text = text_of(px, &px_len);
    if (px_text == NULL)
        return -1;
    double parsed;
    PyObject *price = plain_decimal(px_text, px_len, 0, &parsed) ? PyFloat_FromDouble(parsed)
                                                                 : PyFloat_FromString(px);
    if (price == NULL)
        return -1;
    int err = -1;
    double p = PyFloat_AS_DOUBLE(price);
    if (!(0.0 < p && p < INFINITY && 0.0 <= q && q < INFINITY)) {
        raise_bad(bad_level, side, price, q);
        goto done;
    }
    double key = negate ? -p : p;
    Py_ssize_t at;
    if (bisect_left(levels, key, negate, &at) < 0)
        goto done;
    PyObject *held = NULL;
    if (at < PyList_GET_SIZE(levels) && entry_key(PyList_GET_ITEM(levels, at), negate) == key)
        held = PyList_GET_ITEM(levels, at);
    if (held != NULL) {
        /* held under another text of the same number ("1" / "1.0") */
        PyObject *old = PyList_GET_ITEM(held, 1);
        if (old != Py_None && PyDict_DelItem(keys, old) < 0)
            goto done;
        if (q == 0.0) {
            if (PyList_SetSlice(levels, at, at + 1, NULL) < 0)
                goto done;
        }
        else {
            Py_INCREF(px);
            PyList_SetItem(held, 1, px); /* steals; drops the old text */
            Py_INCREF(sz);
            PyList_SetItem(held, 2, sz);
            if (PyDict_SetItem(keys, px, held) < 0)
                goto done;
        }
    }
    else if (q != 0.0) { /* a new level (removing one not held is normal) */
        PyObject *fresh = PyList_New(3);
        if (fresh == NULL)
            goto done;
        PyList_SET_ITEM(fresh, 0, Py_NewRef(price));
        PyList_SET_ITEM(fresh, 1, Py_NewRef(px));
        PyList_SET_ITEM(fresh, 2, Py_NewRef(sz));
        int failed = PyDict_SetItem(keys, px, fresh);
        if (!failed)
            failed = PyList_Insert(levels, at, fresh);
        Py_DECREF(fresh);
        if (failed)
            goto done;
    }
    err = 0;
done:
    Py_DECREF(price);
    return err;
}

/* apply_side(rows, keys, levels, negate, size, side, bad_level)
 *
 * Absolute sizes as text; a zero size removes the level (a level not held is no
 * error). MalformedMessage (from bad_level) for a level that is not a real one, and
 * float()'s ValueError for text that is no number: the rows before it are applied. */
static PyObject *
apply_side(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "apply_side takes 7 arguments");
        return NULL;
    }
    PyObject *rows = args[0], *keys = args[1], *levels = args[2];
    int negate = PyObject_IsTrue(args[3]);
    PyObject *side = args[5], *bad_level = args[6];
    if (negate < 0)
        return NULL;
    if (!PyDict_CheckExact(keys) || !PyList_CheckExact(levels)) {
        PyErr_SetString(PyExc_TypeError, "apply_side: keys must be a dict, levels a list");
        return NULL;
    }
    SizeReader reader;
    if (size_reader(args[4], &reader) < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(rows, "levels must be iterable");
    if (seq == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    RowLayout layout = {NULL, -1, -1};
    PyObject *owned = NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *px, *sz;
        Py_CLEAR(owned);
        if (row_texts(items[i], &layout, &px, &sz, &owned) < 0)
            goto fail;
        if (!PyUnicode_CheckExact(px) || !PyUnicode_CheckExact(sz)) {
            PyErr_Format(PyExc_TypeError, "a level must be (price, size) text, got %R", items[i]);
            goto fail;
        }
        if (apply_row(px, sz, keys, levels, negate, &reader, side, bad_level) < 0)
            goto fail;
    }
    Py_XDECREF(owned);
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(owned);
    Py_DECREF(seq);
    return NULL;
}

/* -- levels read from the frame's JSON text ------------------------------------------- */

/* Where one row's price and size text lie in a side's JSON text. */
typedef struct {
    const char *px, *sz;
    Py_ssize_t px_len, sz_len;
} Span;

typedef struct {
    Span *spans;
    Py_ssize_t count, capacity;
    Span inline_spans[64];
    Py_buffer view;
    int held; /* view is to be released */
} Spans;

static void
spans_init(Spans *rows)
{
    rows->spans = rows->inline_spans;
    rows->count = 0;
    rows->capacity = 64;
    rows->held = 0;
}

static void
spans_free(Spans *rows)
{
    if (rows->spans != rows->inline_spans)
        PyMem_Free(rows->spans);
    if (rows->held)
        PyBuffer_Release(&rows->view);
}

static inline const char *
skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    return s;
}

/* The bytes a plain string holds: printable ASCII but the quote and the backslash. */
static unsigned char plain_char[256];

/* A JSON string in its plain form (ASCII, no control character, no escape): its
 * content in [*start, *start + *len) and the text after it; NULL when not plain. */
static inline const char *
plain_string(const char *s, const char *end, const char **start, Py_ssize_t *len)
{
    if (s >= end || *s != '"')
        return NULL;
    const char *from = ++s;
    while (s < end && plain_char[(unsigned char)*s])
        s++;
    if (s >= end || *s != '"')
        return NULL;
    *start = from;
    *len = s - from;
    return s + 1;
}

/* The rows of one side's text, `[["px","sz",…],…]`, each row two or more plain
 * strings: 1 when read into `rows`, 0 when the text is not in that form, -1 with an
 * exception. The text's buffer is held by `rows` until spans_free. */
static int
read_spans(PyObject *text, Spans *rows)
{
    if (PyObject_GetBuffer(text, &rows->view, PyBUF_SIMPLE) < 0)
        return -1;
    rows->held = 1;
    const char *s = rows->view.buf, *end = s + rows->view.len;
    s = skip_ws(s, end);
    if (s >= end || *s++ != '[')
        return 0;
    s = skip_ws(s, end);
    if (s < end && *s == ']')
        return skip_ws(s + 1, end) == end;
    for (;;) {
        Span span;
        s = skip_ws(s, end);
        if (s >= end || *s++ != '[')
            return 0;
        s = skip_ws(s, end);
        if ((s = plain_string(s, end, &span.px, &span.px_len)) == NULL)
            return 0;
        s = skip_ws(s, end);
        if (s >= end || *s++ != ',')
            return 0;
        s = skip_ws(s, end);
        if ((s = plain_string(s, end, &span.sz, &span.sz_len)) == NULL)
            return 0;
        /* the fields after them (liquidated orders, order count): plain strings, unread */
        for (;;) {
            s = skip_ws(s, end);
            if (s < end && *s == ']') {
                s++;
                break;
            }
            if (s >= end || *s++ != ',')
                return 0;
            const char *skipped;
            Py_ssize_t skipped_len;
            s = skip_ws(s, end);
            if ((s = plain_string(s, end, &skipped, &skipped_len)) == NULL)
                return 0;
        }
        if (rows->count == rows->capacity) {
            Py_ssize_t capacity = rows->capacity * 2;
            Span *grown = PyMem_Malloc(sizeof(Span) * capacity);
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            memcpy(grown, rows->spans, sizeof(Span) * rows->count);
            if (rows->spans != rows->inline_spans)
                PyMem_Free(rows->spans);
            rows->spans = grown;
            rows->capacity = capacity;
        }
        rows->spans[rows->count++] = span;
        s = skip_ws(s, end);
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == ']')
            return skip_ws(s + 1, end) == end; /* trailing text: not one array */
        return 0;
    }
}

/* Copy a short text: fixed-size moves the compiler inlines, rather than a call to
 * memcpy for a few bytes. */
static inline char *
copy_text(char *to, const char *from, Py_ssize_t len)
{
    for (; len >= 8; len -= 8, to += 8, from += 8)
        memcpy(to, from, 8);
    if (len & 4) {
        memcpy(to, from, 4);
        to += 4;
        from += 4;
    }
    if (len & 2) {
        memcpy(to, from, 2);
        to += 2;
        from += 2;
    }
    if (len & 1)
        *to++ = *from;
    return to;
}

/* A str of ASCII text (the spans hold nothing else). */
static inline PyObject *
ascii_str(const char *text, Py_ssize_t len)
{
    PyObject *str = PyUnicode_New(len, 127);
    if (str != NULL)
        copy_text((char *)PyUnicode_1BYTE_DATA(str), text, len);
    return str;
}

/* The strs last made from short texts, by a hash of the text: most of a push's price
 * and size texts were seen before (the price of a level held, a common size), and the
 * str made then serves again (strs are immutable): no str is allocated and freed for
 * them, and a price's str, already a key of the side's dict, is found there by
 * identity with its hash already computed. A slot holds the last text that hashed
 * to it. */
#define TEXT_CACHE_BITS 12
#define TEXT_CACHE_SIZE (1 << TEXT_CACHE_BITS)
#define TEXT_CACHE_MAX 24 /* longer texts are not kept */
static PyObject *text_cache[TEXT_CACHE_SIZE];

/* A str of ASCII text, a new reference: the one kept for it when there is one. */
static inline PyObject *
text_str(const char *text, Py_ssize_t len)
{
    if (len > TEXT_CACHE_MAX)
        return ascii_str(text, len);
    /* a multiplicative hash of the text eight bytes at a time, its top bits the slot */
    const uint64_t k = 0x9E3779B97F4A7C15u;
    uint64_t h = (uint64_t)len * k, word = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&word, text + i, 8);
        h = (h ^ word) * k;
    }
    word = 0;
    for (int shift = 0; i < len; i++, shift += 8)
        word |= (uint64_t)(unsigned char)text[i] << shift;
    h = (h ^ word) * k;
    PyObject **slot = &text_cache[h >> (64 - TEXT_CACHE_BITS)];
    PyObject *kept = *slot;
    if (kept != NULL && PyUnicode_GET_LENGTH(kept) == len) {
        const char *held = (const char *)PyUnicode_1BYTE_DATA(kept);
        Py_ssize_t i = 0;
        while (i < len && held[i] == text[i])
            i++;
        if (i == len)
            return Py_NewRef(kept);
    }
    PyObject *str = ascii_str(text, len);
    if (str != NULL)
        Py_XSETREF(*slot, Py_NewRef(str));
    return str;
}

static int
apply_spans(Spans *rows, PyObject *keys, PyObject *levels, int negate, SizeReader *reader,
            PyObject *side, PyObject *bad_level)
{
    for (Py_ssize_t i = 0; i < rows->count; i++) {
        Span *span = &rows->spans[i];
        PyObject *px = text_str(span->px, span->px_len);
        if (px == NULL)
            return -1;
        PyObject *sz = text_str(span->sz, span->sz_len);
        if (sz == NULL) {
            Py_DECREF(px);
            return -1;
        }
        int err = apply_row(px, sz, keys, levels, negate, reader, side, bad_level);
        Py_DECREF(px);
        Py_DECREF(sz);
        if (err < 0)
            return -1;
    }
    return 0;
}

/* apply_json(bids_text, asks_text, bid_keys, bid_levels, ask_keys, ask_levels, size,
 *            bad_level)
 *
 * Both sides of TextL2Book.apply_text given as the JSON text the venue sent (bytes-like:
 * bytes, msgspec.Raw): True once applied, with apply_side's results and errors; None,
 * with the book untouched, when either side is not in the plain form read_spans reads
 * (both are read before anything is applied). */
static PyObject *
apply_json(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "apply_json takes 8 arguments");
        return NULL;
    }
    PyObject *bid_keys = args[2], *bid_levels = args[3], *ask_keys = args[4];
    PyObject *ask_levels = args[5], *bad_level = args[7];
    if (!PyDict_CheckExact(bid_keys) || !PyList_CheckExact(bid_levels) ||
        !PyDict_CheckExact(ask_keys) || !PyList_CheckExact(ask_levels)) {
        PyErr_SetString(PyExc_TypeError, "apply_json: keys must be dicts, levels lists");
        return NULL;
    }
    SizeReader reader;
    if (size_reader(args[6], &reader) < 0)
        return NULL;
    Spans bids, asks;
    spans_init(&bids);
    spans_init(&asks);
    PyObject *result = NULL;
    int read = read_spans(args[0], &bids);
    if (read > 0)
        read = read_spans(args[1], &asks);
    if (read < 0)
        goto done;
    if (read == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (apply_spans(&bids, bid_keys, bid_levels, 0, &reader, side_bid, bad_level) < 0 ||
        apply_spans(&asks, ask_keys, ask_levels, 1, &reader, side_ask, bad_level) < 0)
        goto done;
    result = Py_NewRef(Py_True);
done:
    spans_free(&bids);
    spans_free(&asks);
    return result;
}

/* top(levels, n, size): the best n levels (all when n is None), best first, as
 * (price, quantity): sizes are read here, for the levels read only. */
static PyObject *
top(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "top takes 3 arguments");
        return NULL;
    }
    PyObject *levels = args[0];
    if (!PyList_CheckExact(levels)) {
        PyErr_SetString(PyExc_TypeError, "top: levels must be a list");
        return NULL;
    }
    SizeReader reader;
    if (size_reader(args[2], &reader) < 0)
        return NULL;
    Py_ssize_t size = PyList_GET_SIZE(levels), n = size;
    if (args[1] != Py_None) {
        n = PyLong_AsSsize_t(args[1]);
        if (n == -1 && PyErr_Occurred())
            return NULL;
        if (n < 0)
            n = 0;
        if (n > size)
            n = size;
    }
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(levels, size - 1 - i);
        double q;
        if (check_entry(entry) < 0 || read_size(&reader, PyList_GET_ITEM(entry, 2), &q) < 0)
            goto fail;
        PyObject *qty = PyFloat_FromDouble(q);
        PyObject *level = qty == NULL ? NULL : PyTuple_New(2);
        if (level == NULL) {
            Py_XDECREF(qty);
            goto fail;
        }
        PyTuple_SET_ITEM(level, 0, Py_NewRef(PyList_GET_ITEM(entry, 0)));
        PyTuple_SET_ITEM(level, 1, qty); /* steals */
        PyList_SET_ITEM(out, i, level);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* -- the checksum -------------------------------------------------------------------- */

static uint32_t crc_table[8][256];

static void
crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] =
                (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
}

/* zlib's CRC-32 (the ISO-HDLC polynomial), eight bytes at a time. */
static uint32_t
crc32_bytes(const unsigned char *data, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;
    while (len >= 8) {
        uint32_t one = c ^ ((uint32_t)data[0] | (uint32_t)data[1] << 8 |
                            (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
        uint32_t two = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
                       (uint32_t)data[7] << 24;
        c = crc_table[7][one & 0xFF] ^ crc_table[6][(one >> 8) & 0xFF] ^
            crc_table[5][(one >> 16) & 0xFF] ^ crc_table[4][one >> 24] ^
            crc_table[3][two & 0xFF] ^ crc_table[2][(two >> 8) & 0xFF] ^
            crc_table[1][(two >> 16) & 0xFF] ^ crc_table[0][two >> 24];
        data += 8;
        len -= 8;
    }
    while (len--)
        c = crc_table[0][(c ^ *data++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

typedef struct {
    char *data;
    size_t len, cap;
    char inline_data[2048];
} Buffer;

/* Room for `len` more bytes. */
static int
buffer_reserve(Buffer *buf, size_t len)
{
    if (buf->len + len <= buf->cap)
        return 0;
    size_t cap = 2 * (buf->len + len);
    char *grown = PyMem_Malloc(cap);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(grown, buf->data, buf->len);
    if (buf->data != buf->inline_data)
        PyMem_Free(buf->data);
    buf->data = grown;
    buf->cap = cap;
    return 0;
}

/* Append "px:sz" of the level at `index` below the best of one side. */
static int
add_level(Buffer *buf, PyObject *levels, Py_ssize_t index)
{
    PyObject *entry = PyList_GET_ITEM(levels, PyList_GET_SIZE(levels) - 1 - index);
    if (check_entry(entry) < 0)
        return -1;
    PyObject *px = PyList_GET_ITEM(entry, 1), *sz = PyList_GET_ITEM(entry, 2);
    if (!PyUnicode_Check(px) || !PyUnicode_Check(sz)) {
        PyErr_SetString(PyExc_ValueError, "a level loaded from numbers has no text to hash");
        return -1;
    }
    Py_ssize_t px_len, sz_len;
    const char *px_text = text_of(px, &px_len);
    const char *sz_text = px_text == NULL ? NULL : text_of(sz, &sz_len);
    if (sz_text == NULL || buffer_reserve(buf, (size_t)(px_len + sz_len) + 2) < 0)
        return -1;
    char *to = buf->data + buf->len;
    if (buf->len)
        *to++ = ':';
    to = copy_text(to, px_text, px_len);
    *to++ = ':';
    to = copy_text(to, sz_text, sz_len);
    buf->len = to - buf->data;
    return 0;
}

/* checksum(bid_levels, ask_levels, depth): the signed CRC32 of the best `depth` levels
 * of each side as "bid1px:bid1sz:ask1px:ask1sz:bid2px:…", a shorter side's missing
 * levels skipped (checksum.py `crc32_interleaved`). */
static PyObject *
checksum(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "checksum takes 3 arguments");
        return NULL;
    }
    PyObject *bid_levels = args[0], *ask_levels = args[1];
    if (!PyList_CheckExact(bid_levels) || !PyList_CheckExact(ask_levels)) {
        PyErr_SetString(PyExc_TypeError, "checksum: levels must be lists");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[2]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t bids = PyList_GET_SIZE(bid_levels), asks = PyList_GET_SIZE(ask_levels);
    if (bids > depth)
        bids = depth;
    if (asks > depth)
        asks = depth;
    Buffer buf;
    buf.data = buf.inline_data;
    buf.len = 0;
    buf.cap = sizeof(buf.inline_data);
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < bids || i < asks; i++) {
        if (i < bids && add_level(&buf, bid_levels, i) < 0)
            goto done;
        if (i < asks && add_level(&buf, ask_levels, i) < 0)
            goto done;
    }
    uint32_t value = crc32_bytes((const unsigned char *)buf.data, buf.len);
    result = PyLong_FromLongLong((long long)(int32_t)value);
done:
    if (buf.data != buf.inline_data)
        PyMem_Free(buf.data);
    return result;
}

/* crc32(data): zlib.crc32 of bytes, unsigned (to test this file's CRC against zlib). */
static PyObject *
crc32_of(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint32_t value = crc32_bytes((const unsigned char *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(value);
}

static PyMethodDef methods[] = {
    {"apply_side", (PyCFunction)(void (*)(void))apply_side, METH_FASTCALL,
     "apply_side(rows, keys, levels, negate, size, side, bad_level): one side of "
     "TextL2Book.apply_text."},
    {"apply_json", (PyCFunction)(void (*)(void))apply_json, METH_FASTCALL,
     "apply_json(bids_text, asks_text, bid_keys, bid_levels, ask_keys, ask_levels, size, "
     "bad_level): TextL2Book.apply_json, the levels read from the JSON text."},
    {"top", (PyCFunction)(void (*)(void))top, METH_FASTCALL,
     "top(levels, n, size): the best n levels of one side, best first."},
    {"checksum", (PyCFunction)(void (*)(void))checksum, METH_FASTCALL,
     "checksum(bid_levels, ask_levels, depth): the interleaved CRC32 of the top levels' "
     "text."},
    {"crc32", (PyCFunction)crc32_of, METH_O, "crc32(data): CRC-32 of bytes, as zlib.crc32."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_text_levels", "TextL2Book's per-level loops, compiled.", -1, methods,
};

PyMODINIT_FUNC
PyInit__text_levels(void)
{
    crc_init();
    for (int c = 0x20; c < 0x80; c++)
        plain_char[c] = c != '"' && c != '\\';
    name_px = PyUnicode_InternFromString("px");
    name_sz = PyUnicode_InternFromString("sz");
    side_bid = PyUnicode_InternFromString("bid");
    side_ask = PyUnicode_InternFromString("ask");
    if (name_px == NULL || name_sz == NULL || side_bid == NULL || side_ask == NULL)
        return NULL;
    return PyModule_Create(&module);
}
