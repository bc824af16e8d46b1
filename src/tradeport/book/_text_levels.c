/* TextL2Book's levels, held in C: the `Sides` type, text_levels.PySides' compiled twin
 * (same methods, same results, same errors; the Python one stays the reference and is
 * used where this was not built).
 *
 * A level is a C struct: its price (a double), and its price and size text as the venue
 * sent them (UTF-8, in the struct when short), or, for a level loaded from numbers, no
 * text and the quantity. A side keeps its levels in an array sorted by price, best last,
 * and those with a price text in a hash table by that text: a level already held is
 * found by its text and updated by copying its size text in place; only a new price is
 * parsed and placed by bisection. No Python object is made per level on an update.
 *
 * Sizes are still checked on every update: a zero size removes the level and a size
 * that is not a real quantity is refused. Plain decimals ("41.1") are read exactly as
 * float() reads them (one correctly rounded operation) or, where only their being zero
 * matters, checked for a non-zero digit; any other text goes to Python's float(), so
 * what is accepted is exactly what float() accepts.
 *
 * `apply_json` reads a push's levels straight from the JSON text the venue sent, and
 * `apply_push` a whole linked push (an OKX `books` update): its levels, ids, time and
 * checksum read in one pass, applied when it continues the book, and the book's
 * checksum (CRC32 of the top levels' text) computed on the text held.
 * Built by the package's own build when a C compiler is there (setup.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static PyObject *name_px, *name_sz; /* interned "px", "sz" */
static PyObject *side_bid, *side_ask; /* "bid", "ask": the side bad_level names */


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
    /* one test in the usual case of none: every space character is at most ' ' */
    while (s < end && (unsigned char)*s <= ' ' &&
           (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    return s;
}

/* The bytes a plain string holds: printable ASCII but the quote and the backslash. */
static unsigned char plain_char[256];

/* The first byte of a word of eight that ends a plain string's content or breaks it (a
 * quote, a backslash, a control character, one outside ASCII), by its lowest flagged
 * bit (the lowest bytes first: little-endian); 0 when none does. The borrow tricks
 * can flag a byte above a flagged one wrongly, never below, so the lowest is exact. */
static inline uint64_t
stop_bytes(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
    uint64_t found = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                     ((word - ones * 0x20) & ~word) | word;
    return found & highs;
}

/* A JSON string in its plain form (ASCII, no control character, no escape): its
 * content in [*start, *start + *len) and the text after it; NULL when not plain. Read
 * eight bytes at a time while eight remain. */
static inline const char *
plain_string(const char *s, const char *end, const char **start, Py_ssize_t *len)
{
    if (s >= end || *s != '"')
        return NULL;
    const char *from = ++s;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - s >= 8) {
        uint64_t word;
        memcpy(&word, s, 8);
        uint64_t found = stop_bytes(word);
        if (found) {
            s += __builtin_ctzll(found) / 8;
            if (*s != '"')
                return NULL;
            *start = from;
            *len = s - from;
            return s + 1;
        }
        s += 8;
    }
#endif
    while (s < end && plain_char[(unsigned char)*s])
        s++;
    if (s >= end || *s != '"')
        return NULL;
    *start = from;
    *len = s - from;
    return s + 1;
}

/* Past the character `c`, spaces before it skipped: NULL when another comes first. The
 * compact form a venue sends (no spaces) takes one test. */
static inline const char *
expect(const char *s, const char *end, char c)
{
    if (s < end && *s == c)
        return s + 1;
    s = skip_ws(s, end);
    return s < end && *s == c ? s + 1 : NULL;
}

/* A plain string (plain_string), spaces before it skipped. */
static inline const char *
string_at(const char *s, const char *end, const char **start, Py_ssize_t *len)
{
    if (s < end && *s != '"')
        s = skip_ws(s, end);
    return plain_string(s, end, start, len);
}

/* The rows of one side, `[["px","sz",…],…]`, each row two or more plain strings,
 * from `s`: the text after the closing bracket, with the rows in `rows`; NULL when the
 * text is not in that form (*err set, with an exception, when memory ran out). */
static const char *
read_rows(const char *s, const char *end, Spans *rows, int *err)
{
    *err = 0;
    if ((s = expect(s, end, '[')) == NULL)
        return NULL;
    const char *close = expect(s, end, ']');
    if (close != NULL)
        return close; /* no rows */
    for (;;) {
        Span span;
        if ((s = expect(s, end, '[')) == NULL ||
            (s = string_at(s, end, &span.px, &span.px_len)) == NULL ||
            (s = expect(s, end, ',')) == NULL ||
            (s = string_at(s, end, &span.sz, &span.sz_len)) == NULL)
            return NULL;
        /* the fields after them (liquidated orders, order count): plain strings, unread;
         * short ones, in the compact form, checked byte by byte with no other test */
        for (;;) {
            if (end - s >= 2 && s[0] == ',' && s[1] == '"') {
                for (s += 2; s < end && plain_char[(unsigned char)*s]; s++)
                    ;
                if (s >= end || *s++ != '"')
                    return NULL;
                continue;
            }
            close = expect(s, end, ']');
            if (close != NULL) {
                s = close;
                break;
            }
            const char *skipped;
            Py_ssize_t skipped_len;
            if ((s = expect(s, end, ',')) == NULL ||
                (s = string_at(s, end, &skipped, &skipped_len)) == NULL)
                return NULL;
        }
        if (rows->count == rows->capacity) {
            Py_ssize_t capacity = rows->capacity * 2;
            Span *grown = PyMem_Malloc(sizeof(Span) * capacity);
            if (grown == NULL) {
                PyErr_NoMemory();
                *err = 1;
                return NULL;
            }
            memcpy(grown, rows->spans, sizeof(Span) * rows->count);
            if (rows->spans != rows->inline_spans)
                PyMem_Free(rows->spans);
            rows->spans = grown;
            rows->capacity = capacity;
        }
        rows->spans[rows->count++] = span;
        const char *next = expect(s, end, ',');
        if (next != NULL) {
            s = next;
            continue;
        }
        return expect(s, end, ']');
    }
}

/* One side's whole text (bytes-like) as rows: 1 when read, 0 when the text is not one
 * array in the plain form, -1 with an exception. The buffer is held until spans_free. */
static int
read_spans(PyObject *text, Spans *rows)
{
    if (PyObject_GetBuffer(text, &rows->view, PyBUF_SIMPLE) < 0)
        return -1;
    rows->held = 1;
    const char *s = rows->view.buf, *end = s + rows->view.len;
    int err;
    s = read_rows(s, end, rows, &err);
    if (s == NULL)
        return err ? -1 : 0;
    return skip_ws(s, end) == end; /* trailing text: not one array */
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

/* -- the levels, held natively ---------------------------------------------------------- */

/* A level's price or size text as the venue sent it (UTF-8): in the level itself when
 * short, else on the heap; data NULL when the level has none (loaded from numbers). */
#define TEXT_INLINE 24
typedef struct {
    char *data;
    Py_ssize_t len;
    char inline_data[TEXT_INLINE];
} Text;

static inline uint64_t
load8(const char *at)
{
    uint64_t word;
    memcpy(&word, at, 8);
    return word;
}

static inline uint64_t
load4(const char *at)
{
    uint32_t word;
    memcpy(&word, at, 4);
    return word;
}

/* The last bytes of a text after its whole words of eight, as one word: read as two
 * overlapping words where the text is long enough (no byte-by-byte loop), so the same
 * text always gives the same word, and texts of one length and different bytes
 * different words. */
static inline uint64_t
tail_word(const char *text, Py_ssize_t len)
{
    if (len >= 8)
        return load8(text + len - 8);
    if (len >= 4)
        return load4(text) | load4(text + len - 4) << 32;
    if (len > 0)
        return (uint64_t)(unsigned char)text[0] | (uint64_t)(unsigned char)text[len / 2] << 8 |
               (uint64_t)(unsigned char)text[len - 1] << 16;
    return 0;
}

/* A multiplicative hash of a text, eight bytes at a time (its top bits are good). */
static inline uint64_t
text_hash(const char *text, Py_ssize_t len)
{
    const uint64_t k = 0x9E3779B97F4A7C15u;
    uint64_t h = (uint64_t)len * k;
    Py_ssize_t i = 0;
    for (; i + 8 < len; i += 8)
        h = (h ^ load8(text + i)) * k;
    return (h ^ tail_word(text + i, len - i)) * k;
}

static inline int
text_equals(const Text *text, const char *other, Py_ssize_t len)
{
    if (text->len != len)
        return 0;
    const char *mine = text->data;
    Py_ssize_t i = 0;
    for (; i + 8 < len; i += 8)
        if (load8(mine + i) != load8(other + i))
            return 0;
    return tail_word(mine + i, len - i) == tail_word(other + i, len - i);
}

static int
text_set(Text *text, const char *from, Py_ssize_t len)
{
    if (text->data != NULL && text_equals(text, from, len))
        return 0; /* the same text again (a level held under its own price) */
    char *to = text->inline_data;
    if (len > TEXT_INLINE && (to = PyMem_Malloc(len)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (text->data != NULL && text->data != text->inline_data)
        PyMem_Free(text->data);
    text->data = to;
    text->len = len;
    copy_text(to, from, len);
    return 0;
}

/* text_set for a size: a short one replaces a short one by a plain copy (copying the
 * same bytes again costs less than comparing them first). */
static inline int
text_put(Text *text, const char *from, Py_ssize_t len)
{
    if (text->data == text->inline_data && len <= TEXT_INLINE) {
        copy_text(text->inline_data, from, len);
        text->len = len;
        return 0;
    }
    return text_set(text, from, len);
}

static void
text_clear(Text *text)
{
    if (text->data != NULL && text->data != text->inline_data)
        PyMem_Free(text->data);
    text->data = NULL;
    text->len = 0;
}

static PyObject *
text_str(const Text *text)
{
    return PyUnicode_DecodeUTF8(text->data, text->len, NULL);
}

typedef struct {
    double price;
    double qty; /* the quantity, for a level with no size text (loaded from numbers) */
    uint64_t hash; /* of the price text, when there is one */
    Text px, sz;
} Level;

/* A level's place in its side: the sort key (the price, negated for asks) next to the
 * level, so a search reads one contiguous array. */
typedef struct {
    double key;
    Level *level;
} Slot;

/* A level by the hash of its price text (empty: level NULL). */
typedef struct {
    uint64_t hash;
    Level *level;
} Bucket;

/* One side: its levels by ascending key, best last (as the Python store's lists), and
 * the levels that have a price text by that text (as the Python store's dict), open
 * addressing with linear probing, at most half full. */
typedef struct {
    Slot *slots;
    Py_ssize_t count, capacity;
    Bucket *table;
    Py_ssize_t used, mask;
    int shift; /* a hash's top bits are its home bucket: hash >> shift */
    int negate;
    PyObject *name; /* "bid" / "ask", borrowed (interned, kept by the module) */
} Side;

/* The level whose price text this is, or NULL. */
static inline Level *
table_find(const Side *side, const char *text, Py_ssize_t len, uint64_t hash)
{
    if (side->table == NULL)
        return NULL;
    for (Py_ssize_t i = (Py_ssize_t)(hash >> side->shift);; i = (i + 1) & side->mask) {
        const Bucket *bucket = &side->table[i];
        if (bucket->level == NULL)
            return NULL;
        if (bucket->hash == hash && text_equals(&bucket->level->px, text, len))
            return bucket->level;
    }
}

static void
table_put(Side *side, Level *level)
{
    Py_ssize_t i = (Py_ssize_t)(level->hash >> side->shift);
    while (side->table[i].level != NULL)
        i = (i + 1) & side->mask;
    side->table[i].hash = level->hash;
    side->table[i].level = level;
    side->used++;
}

/* Room for one more level in the table (grown, everything placed again, when it would
 * be more than half full). */
static int
table_reserve(Side *side)
{
    Py_ssize_t size = side->table == NULL ? 0 : side->mask + 1;
    if (2 * (side->used + 1) <= size)
        return 0;
    Py_ssize_t grown = size ? 2 * size : 64;
    Bucket *old = side->table;
    Bucket *table = PyMem_Calloc((size_t)grown, sizeof(Bucket));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int bits = 0;
    while (((Py_ssize_t)1 << bits) < grown)
        bits++;
    side->table = table;
    side->mask = grown - 1;
    side->shift = 64 - bits;
    side->used = 0;
    for (Py_ssize_t i = 0; i < size; i++)
        if (old[i].level != NULL)
            table_put(side, old[i].level);
    PyMem_Free(old);
    return 0;
}

/* Take a level out of the table, the run after it shifted back (no tombstones). */
static void
table_drop(Side *side, const Level *level)
{
    Py_ssize_t mask = side->mask, i = (Py_ssize_t)(level->hash >> side->shift);
    while (side->table[i].level != level)
        i = (i + 1) & mask;
    for (Py_ssize_t j = i;;) {
        j = (j + 1) & mask;
        Bucket *next = &side->table[j];
        if (next->level == NULL)
            break;
        Py_ssize_t home = (Py_ssize_t)(next->hash >> side->shift);
        /* it may move to the hole at i unless its home lies cyclically in (i, j] */
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            side->table[i] = *next;
            i = j;
        }
    }
    side->table[i].level = NULL;
    side->used--;
}

static void
level_free(Level *level)
{
    text_clear(&level->px);
    text_clear(&level->sz);
    PyMem_Free(level);
}

static Level *
level_new(double price, double qty)
{
    Level *level = PyMem_Malloc(sizeof(Level));
    if (level == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    level->price = price;
    level->qty = qty;
    level->hash = 0;
    level->px.data = level->sz.data = NULL;
    level->px.len = level->sz.len = 0;
    return level;
}

static void
side_clear(Side *side)
{
    for (Py_ssize_t i = 0; i < side->count; i++)
        level_free(side->slots[i].level);
    side->count = 0;
    if (side->table != NULL)
        memset(side->table, 0, sizeof(Bucket) * (size_t)(side->mask + 1));
    side->used = 0;
}

/* First index whose key is >= key; without branches on the keys (a conditional move
 * per step), whose outcome no predictor could guess. */
static inline Py_ssize_t
side_bisect(const Side *side, double key)
{
    Py_ssize_t n = side->count;
    if (n == 0)
        return 0;
    const Slot *base = side->slots;
    while (n > 1) {
        Py_ssize_t half = n / 2;
        base = base[half].key < key ? base + half : base;
        n -= half;
    }
    return (base - side->slots) + (base->key < key);
}

static int
side_insert(Side *side, Py_ssize_t at, Level *level)
{
    if (side->count == side->capacity) {
        Py_ssize_t capacity = side->capacity ? 2 * side->capacity : 64;
        Slot *grown = PyMem_Realloc(side->slots, sizeof(Slot) * capacity);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        side->slots = grown;
        side->capacity = capacity;
    }
    memmove(side->slots + at + 1, side->slots + at, sizeof(Slot) * (side->count - at));
    side->slots[at].key = side->negate ? -level->price : level->price;
    side->slots[at].level = level;
    side->count++;
    return 0;
}

static void
side_remove(Side *side, Py_ssize_t at)
{
    if (side->slots[at].level->px.data != NULL)
        table_drop(side, side->slots[at].level);
    level_free(side->slots[at].level);
    memmove(side->slots + at, side->slots + at + 1, sizeof(Slot) * (side->count - at - 1));
    side->count--;
}

/* Give a level (held by the side) this price text, the table kept in step. */
static int
level_set_px(Side *side, Level *level, const char *px, Py_ssize_t px_len, uint64_t hash)
{
    if (level->px.data != NULL && text_equals(&level->px, px, px_len))
        return 0;
    if (table_reserve(side) < 0)
        return -1;
    if (level->px.data != NULL)
        table_drop(side, level);
    if (text_set(&level->px, px, px_len) < 0)
        return -1;
    level->hash = hash;
    table_put(side, level);
    return 0;
}

/* The level `index` below the best (best first), or NULL past the last. */
static inline Level *
side_at(const Side *side, Py_ssize_t index)
{
    return index < side->count ? side->slots[side->count - 1 - index].level : NULL;
}

/* Raise what bad_level(side, price, qty) returns (a MalformedMessage). */
static void
raise_bad(PyObject *bad_level, PyObject *side, double price, double qty)
{
    PyObject *p = PyFloat_FromDouble(price);
    PyObject *q = p == NULL ? NULL : PyFloat_FromDouble(qty);
    PyObject *exc = q == NULL ? NULL : PyObject_CallFunctionObjArgs(bad_level, side, p, q, NULL);
    Py_XDECREF(p);
    Py_XDECREF(q);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

/* A number's text as float() reads it: plain decimals here, the rest by float()
 * (ValueError as it raises it). */
static int
read_number(const char *text, Py_ssize_t len, double *out)
{
    if (plain_decimal(text, len, 0, out))
        return 0;
    PyObject *str = PyUnicode_DecodeUTF8(text, len, NULL);
    if (str == NULL)
        return -1;
    PyObject *value = PyFloat_FromString(str);
    Py_DECREF(str);
    if (value == NULL)
        return -1;
    *out = PyFloat_AS_DOUBLE(value);
    Py_DECREF(value);
    return 0;
}

/* The quantity a size text stands for (read_size, for text held as bytes). */
static int
read_size_text(SizeReader *reader, const char *text, Py_ssize_t len, double *out)
{
    if (reader->plain && plain_decimal(text, len, reader->exponent, out))
        return 0;
    PyObject *str = PyUnicode_DecodeUTF8(text, len, NULL);
    if (str == NULL)
        return -1;
    int err = read_size(reader, str, out);
    Py_DECREF(str);
    return err;
}

/* Whether a size is zero, for a plain decimal read with a plain suffix: 1 with *out 0.0
 * or 1.0 (a stand-in for the positive quantity: only its being zero, positive or not a
 * real quantity matters when a level is applied, and a plain decimal of at most 18
 * digits times 10**e, |e| <= 280, is always a positive double or zero); 0 for any other
 * text (read_size_text reads it). */
static inline int
size_is_zero(const SizeReader *reader, const char *text, Py_ssize_t len, double *out)
{
    if (!reader->plain || len == 0 || len > 18 || reader->exponent < -280 ||
        reader->exponent > 280)
        return 0;
    int point = 0, digits = 0, nonzero = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            digits++;
            nonzero |= c != '0';
        }
        else if (c == '.' && !point)
            point = 1;
        else
            return 0;
    }
    if (digits == 0)
        return 0;
    *out = nonzero ? 1.0 : 0.0;
    return 1;
}

/* A level's quantity: its size text read, or the number it was loaded with. */
static inline int
level_qty(SizeReader *reader, const Level *level, double *out)
{
    if (level->sz.data == NULL) {
        *out = level->qty;
        return 0;
    }
    return read_size_text(reader, level->sz.data, level->sz.len, out);
}

typedef struct {
    PyObject_HEAD
    Side bids, asks;
    PyObject *size;      /* the size suffix or function (Sizes) */
    PyObject *bad_level; /* (side, price, qty) -> the exception to raise */
    SizeReader reader;
} Sides;

/* One level given as its price and size text: the per-level loop's body. Absolute
 * size; 0 removes the level (a level not held is no error). The size is read first,
 * then the price: MalformedMessage for a level that is not a real one, float()'s
 * ValueError for text that is no number. A level held under another text of the same
 * number ("1" / "1.0") takes the new text. */
static inline int
apply_level(Sides *self, Side *side, const char *px, Py_ssize_t px_len, const char *sz,
            Py_ssize_t sz_len)
{
    double q, p;
    if (!size_is_zero(&self->reader, sz, sz_len, &q) &&
        read_size_text(&self->reader, sz, sz_len, &q) < 0)
        return -1;
    uint64_t hash = text_hash(px, px_len);
    Level *held = table_find(side, px, px_len, hash);
    if (held != NULL) { /* a level held: its price was checked when it entered */
        if (0.0 < q && q < INFINITY)
            return text_put(&held->sz, sz, sz_len);
        if (q == 0.0) {
            side_remove(side, side_bisect(side, side->negate ? -held->price : held->price));
            return 0;
        }
        raise_bad(self->bad_level, side->name, held->price, q);
        return -1;
    }
    /* a new price: a plain decimal is read here, as float() reads it; the rest by float() */
    if (read_number(px, px_len, &p) < 0)
        return -1;
    if (!(0.0 < p && p < INFINITY && 0.0 <= q && q < INFINITY)) {
        /* the error names the quantity: read it (size_is_zero only said it is not 0) */
        if (read_size_text(&self->reader, sz, sz_len, &q) == 0)
            raise_bad(self->bad_level, side->name, p, q);
        return -1;
    }
    double key = side->negate ? -p : p;
    Py_ssize_t at = side_bisect(side, key);
    if (at < side->count && side->slots[at].key == key) {
        /* held under another text of the same number ("1" / "1.0"), or none */
        held = side->slots[at].level;
        if (q == 0.0) {
            side_remove(side, at);
            return 0;
        }
        return level_set_px(side, held, px, px_len, hash) < 0 ? -1
                                                              : text_set(&held->sz, sz, sz_len);
    }
    if (q == 0.0)
        return 0; /* removing a level the book does not hold is normal */
    Level *level = level_new(p, q);
    if (level == NULL)
        return -1;
    if (text_set(&level->sz, sz, sz_len) < 0 || side_insert(side, at, level) < 0) {
        level_free(level);
        return -1;
    }
    return level_set_px(side, level, px, px_len, hash); /* held now: freed with the side */
}

static int
apply_spans(Sides *self, Side *side, const Spans *rows)
{
    for (Py_ssize_t i = 0; i < rows->count; i++) {
        const Span *span = &rows->spans[i];
        if (apply_level(self, side, span->px, span->px_len, span->sz, span->sz_len) < 0)
            return -1;
    }
    return 0;
}

static inline int
crossed(const Sides *self)
{
    /* "not bid < ask": a NaN counts as crossed */
    return self->bids.count && self->asks.count &&
           !(side_at(&self->bids, 0)->price < side_at(&self->asks, 0)->price);
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

/* zlib's CRC-32 (the ISO-HDLC polynomial), eight bytes at a time, from the running
 * value `c` (inverted: start from 0xFFFFFFFF, invert the result). */
static uint32_t
crc32_table(uint32_t c, const unsigned char *data, size_t len)
{
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
    return c;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CRC_FOLD 1

/* The same CRC by carry-less multiplication, 64 bytes a step (the folding of Intel's
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", with the reflected
 * constants of this polynomial, as zlib's and Linux's x86 code use them): for at least
 * 64 bytes; returns the running value after the largest multiple of 16 bytes, *done
 * that count. Only called where the processor has PCLMULQDQ and SSE4.1. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t
crc32_fold(uint32_t c, const unsigned char *buf, size_t len, size_t *done)
{
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
    size_t start = len;
    __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8;
    x1 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
    x2 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
    x3 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
    x4 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)c));
    x0 = k1k2;
    buf += 64;
    len -= 64;
    while (len >= 64) { /* four lanes of 16 bytes folded 64 bytes ahead */
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
        x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
        x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
        x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
        x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), _mm_loadu_si128((const __m128i *)(buf + 0x00)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), _mm_loadu_si128((const __m128i *)(buf + 0x10)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), _mm_loadu_si128((const __m128i *)(buf + 0x20)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), _mm_loadu_si128((const __m128i *)(buf + 0x30)));
        buf += 64;
        len -= 64;
    }
    /* the four lanes into one */
    x0 = k3k4;
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
    while (len >= 16) { /* single lanes of 16 */
        x2 = _mm_loadu_si128((const __m128i *)buf);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
        buf += 16;
        len -= 16;
    }
    /* 128 bits to 64, then Barrett's reduction to 32 */
    x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    x0 = k5k0;
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_and_si128(x1, low32);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x00), x2);
    x0 = poly;
    x2 = _mm_and_si128(x1, low32);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
    x2 = _mm_and_si128(x2, low32);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    *done = start - len;
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

static int crc_folds; /* the processor has what crc32_fold needs (set at import) */
#endif

/* zlib's CRC-32 of bytes: by folding where the processor can and there are 64 bytes or
 * more, the rest (and everything elsewhere) eight bytes at a time. */
static uint32_t
crc32_bytes(const unsigned char *data, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;
#ifdef CRC_FOLD
    if (crc_folds && len >= 64) {
        size_t done;
        c = crc32_fold(c, data, len, &done);
        data += done;
        len -= done;
    }
#endif
    return crc32_table(c, data, len) ^ 0xFFFFFFFFu;
}


/* Append a text: a short one (in its level) by one fixed-size copy of its whole buffer,
 * which the compiler makes two moves, the bytes past its end overwritten next. */
static inline char *
put_text(char *to, const Text *text)
{
    if (text->data == text->inline_data)
        memcpy(to, text->inline_data, TEXT_INLINE);
    else
        memcpy(to, text->data, (size_t)text->len);
    return to + text->len;
}

/* The signed CRC32 of the best `depth` levels of each side as
 * "bid1px:bid1sz:ask1px:ask1sz:bid2px:…", a shorter side's missing levels skipped
 * (checksum.py `crc32_interleaved`): 1 with *out; 0 when a level there has no text (it
 * was loaded from numbers); -1 with an exception. */
static int
book_checksum(const Sides *self, Py_ssize_t depth, int32_t *out)
{
    Py_ssize_t bids = self->bids.count < depth ? self->bids.count : depth;
    Py_ssize_t asks = self->asks.count < depth ? self->asks.count : depth;
    if (bids < 0)
        bids = 0;
    if (asks < 0)
        asks = 0;
    size_t need = 0;
    for (int s = 0; s < 2; s++) {
        const Side *side = s ? &self->asks : &self->bids;
        for (Py_ssize_t i = 0, n = s ? asks : bids; i < n; i++) {
            const Level *level = side_at(side, i);
            if (level->px.data == NULL || level->sz.data == NULL)
                return 0;
            need += (size_t)(level->px.len + level->sz.len) + 2;
        }
    }
    need += TEXT_INLINE; /* put_text's whole-buffer copy may write past the end */
    char stack[4096];
    char *buf = need <= sizeof(stack) ? stack : PyMem_Malloc(need);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    char *to = buf;
    for (Py_ssize_t i = 0; i < bids || i < asks; i++) {
        for (int s = 0; s < 2; s++) {
            if (i >= (s ? asks : bids))
                continue;
            const Level *level = side_at(s ? &self->asks : &self->bids, i);
            if (to != buf)
                *to++ = ':';
            to = put_text(to, &level->px);
            *to++ = ':';
            to = put_text(to, &level->sz);
        }
    }
    *out = (int32_t)crc32_bytes((const unsigned char *)buf, (size_t)(to - buf));
    if (buf != stack)
        PyMem_Free(buf);
    return 1;
}

/* -- the Sides type: TextL2Book's levels ------------------------------------------------ */

static PyObject *
Sides_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *size, *bad_level;
    if (!PyArg_ParseTuple(args, "OO:Sides", &size, &bad_level))
        return NULL;
    Sides *self = (Sides *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->bids.negate = 0;
    self->bids.name = side_bid;
    self->asks.negate = 1;
    self->asks.name = side_ask;
    self->size = Py_NewRef(size);
    self->bad_level = Py_NewRef(bad_level);
    if (size_reader(size, &self->reader) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
Sides_dealloc(Sides *self)
{
    side_clear(&self->bids);
    side_clear(&self->asks);
    PyMem_Free(self->bids.slots);
    PyMem_Free(self->asks.slots);
    PyMem_Free(self->bids.table);
    PyMem_Free(self->asks.table);
    Py_XDECREF(self->size);
    Py_XDECREF(self->bad_level);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Side *
side_of(Sides *self, PyObject *ask)
{
    int is_ask = PyObject_IsTrue(ask);
    return is_ask < 0 ? NULL : is_ask ? &self->asks : &self->bids;
}

/* load(bids, asks): replace every level by these (price, quantity) pairs, already
 * sorted best last and unique (TextL2Book.load prepares them); no text. */
static PyObject *
Sides_load(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "load takes 2 arguments");
        return NULL;
    }
    side_clear(&self->bids);
    side_clear(&self->asks);
    for (int s = 0; s < 2; s++) {
        Side *side = s ? &self->asks : &self->bids;
        PyObject *seq = PySequence_Fast(args[s], "levels must be a sequence");
        if (seq == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
            PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
            double p, q;
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
                PyErr_Format(PyExc_TypeError, "a level must be (price, quantity), got %R", pair);
                goto fail;
            }
            if (as_double(PyTuple_GET_ITEM(pair, 0), &p) < 0 ||
                as_double(PyTuple_GET_ITEM(pair, 1), &q) < 0)
                goto fail;
            Level *level = level_new(p, q);
            if (level == NULL)
                goto fail;
            if (side_insert(side, side->count, level) < 0) {
                level_free(level);
                goto fail;
            }
            continue;
        fail:
            Py_DECREF(seq);
            return NULL;
        }
        Py_DECREF(seq);
    }
    Py_RETURN_NONE;
}

/* The UTF-8 text of a row's px and sz, which must be str. */
static int
row_utf8(PyObject *row, RowLayout *layout, const char **px, Py_ssize_t *px_len,
         const char **sz, Py_ssize_t *sz_len, PyObject **owned)
{
    PyObject *px_obj, *sz_obj;
    if (row_texts(row, layout, &px_obj, &sz_obj, owned) < 0)
        return -1;
    if (!PyUnicode_CheckExact(px_obj) || !PyUnicode_CheckExact(sz_obj)) {
        PyErr_Format(PyExc_TypeError, "a level must be (price, size) text, got %R", row);
        return -1;
    }
    *px = text_of(px_obj, px_len);
    *sz = *px == NULL ? NULL : text_of(sz_obj, sz_len);
    return *sz == NULL ? -1 : 0;
}

/* What a row loop does with one row's price and size text (0, or -1 with an error). */
typedef int (*RowAction)(Sides *self, Side *side, const char *px, Py_ssize_t px_len,
                         const char *sz, Py_ssize_t sz_len);

/* Each row of args[0] (bids) then args[1] (asks), its text given to `action`; on an
 * error the rows before it have been given. */
static PyObject *
each_row(Sides *self, PyObject *const *args, Py_ssize_t nargs, const char *name,
         RowAction action)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s takes 2 arguments", name);
        return NULL;
    }
    RowLayout layout = {NULL, -1, -1};
    for (int s = 0; s < 2; s++) {
        Side *side = s ? &self->asks : &self->bids;
        PyObject *seq = PySequence_Fast(args[s], "rows must be a sequence");
        if (seq == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
            PyObject *owned = NULL;
            const char *px, *sz;
            Py_ssize_t px_len, sz_len;
            int err = row_utf8(PySequence_Fast_GET_ITEM(seq, i), &layout, &px, &px_len, &sz,
                               &sz_len, &owned);
            if (!err)
                err = action(self, side, px, px_len, sz, sz_len);
            Py_XDECREF(owned);
            if (err) {
                Py_DECREF(seq);
                return NULL;
            }
        }
        Py_DECREF(seq);
    }
    Py_RETURN_NONE;
}

/* A row of a snapshot just loaded: its price and size text given to the level of its
 * price. */
static int
load_text(Sides *self, Side *side, const char *px, Py_ssize_t px_len, const char *sz,
          Py_ssize_t sz_len)
{
    double p;
    int err = read_number(px, px_len, &p);
    if (err)
        return err;
    double key = side->negate ? -p : p;
    Py_ssize_t at = side_bisect(side, key);
    if (at < side->count && side->slots[at].key == key) {
        Level *level = side->slots[at].level;
        err = level_set_px(side, level, px, px_len, text_hash(px, px_len));
        if (!err)
            err = text_set(&level->sz, sz, sz_len);
    }
    return err;
}

/* load_texts(bids, asks): the text of a snapshot just loaded from the same rows: each
 * row's price and size text given to the level of its price (a later row wins). */
static PyObject *
Sides_load_texts(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    return each_row(self, args, nargs, "load_texts", load_text);
}

/* apply_rows(bids, asks): absolute sizes as text rows (objects with px and sz), bids
 * then asks; on an error the rows before it are applied. */
static PyObject *
Sides_apply_rows(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    return each_row(self, args, nargs, "apply_rows", apply_level);
}

/* apply_json(bids_text, asks_text): both sides as the JSON text the venue sent
 * (bytes-like): True once applied (apply_rows' results and errors); None, with the
 * book untouched, when either is not in the plain form (both are read first). */
static PyObject *
Sides_apply_json(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "apply_json takes 2 arguments");
        return NULL;
    }
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
    if (apply_spans(self, &self->bids, &bids) < 0 || apply_spans(self, &self->asks, &asks) < 0)
        goto done;
    result = Py_NewRef(Py_True);
done:
    spans_free(&bids);
    spans_free(&asks);
    return result;
}

/* -- a whole linked push ---------------------------------------------------------------- */

/* A JSON integer token (no fraction, no exponent, at most 18 digits): the text after it,
 * NULL when not one. */
static const char *
plain_int(const char *s, const char *end, long long *out)
{
    int negative = s < end && *s == '-';
    s += negative;
    const char *from = s;
    long long value = 0;
    while (s < end && *s >= '0' && *s <= '9' && s - from < 19)
        value = value * 10 + (*s++ - '0');
    Py_ssize_t digits = s - from;
    if (digits == 0 || digits > 18 || (digits > 1 && *from == '0'))
        return NULL;
    if (s < end && (*s == '.' || *s == 'e' || *s == 'E' || (*s >= '0' && *s <= '9')))
        return NULL;
    *out = negative ? -value : value;
    return s;
}

/* A value of a key the push does not use, skipped: a plain string, an integer, or an
 * object of plain strings (the `arg`); NULL for anything else (the typed decoder reads
 * it). */
static const char *
skip_value(const char *s, const char *end)
{
    const char *text;
    Py_ssize_t len;
    long long number;
    if (s < end && *s == '{') {
        s = skip_ws(s + 1, end);
        if (s < end && *s == '}')
            return s + 1;
        for (;;) {
            if ((s = plain_string(s, end, &text, &len)) == NULL)
                return NULL;
            s = skip_ws(s, end);
            if (s >= end || *s++ != ':')
                return NULL;
            s = skip_ws(s, end);
            if ((s = plain_string(s, end, &text, &len)) == NULL)
                return NULL;
            s = skip_ws(s, end);
            if (s < end && *s == '}')
                return s + 1;
            if (s >= end || *s++ != ',')
                return NULL;
            s = skip_ws(s, end);
        }
    }
    if (s < end && *s == '"')
        return plain_string(s, end, &text, &len);
    return plain_int(s, end, &number);
}

static inline int
key_is(const char *key, Py_ssize_t len, const char *name)
{
    return (size_t)len == strlen(name) && memcmp(key, name, len) == 0;
}

/* What a push holds. */
typedef struct {
    Spans bids, asks;
    int has_bids, has_asks;
    long long seq, prev, checksum, ts;
    int is_update;
} Push;

/* The one entry of `data`, from its opening brace: the text after it, or NULL. */
static const char *
read_entry(const char *s, const char *end, Push *push, int *err)
{
    int seen_ts = 0, seen_seq = 0, seen_prev = 0, seen_checksum = 0;
    if (s >= end || *s++ != '{')
        return NULL;
    s = skip_ws(s, end);
    if (s < end && *s == '}')
        return NULL; /* no levels */
    for (;;) {
        const char *key;
        Py_ssize_t len;
        if ((s = plain_string(s, end, &key, &len)) == NULL)
            return NULL;
        s = skip_ws(s, end);
        if (s >= end || *s++ != ':')
            return NULL;
        s = skip_ws(s, end);
        int twice = 0;
        if (key_is(key, len, "bids") || key_is(key, len, "asks")) {
            int ask = key[0] == 'a';
            int *has = ask ? &push->has_asks : &push->has_bids;
            twice = *has;
            *has = 1;
            if (twice || (s = read_rows(s, end, ask ? &push->asks : &push->bids, err)) == NULL)
                return NULL;
        }
        else if (key_is(key, len, "ts")) {
            const char *ts;
            Py_ssize_t ts_len;
            if (seen_ts++ || (s = plain_string(s, end, &ts, &ts_len)) == NULL || ts_len > 18)
                return NULL;
            /* what int() reads of a text of digits only, else 0 (as the typed path) */
            long long value = 0;
            for (Py_ssize_t i = 0; i < ts_len && value >= 0; i++)
                value = ts[i] >= '0' && ts[i] <= '9' ? value * 10 + (ts[i] - '0') : -1;
            push->ts = ts_len && value >= 0 ? value : 0;
        }
        else if (key_is(key, len, "seqId")) {
            if (seen_seq++ || (s = plain_int(s, end, &push->seq)) == NULL)
                return NULL;
        }
        else if (key_is(key, len, "prevSeqId")) {
            if (seen_prev++ || (s = plain_int(s, end, &push->prev)) == NULL)
                return NULL;
        }
        else if (key_is(key, len, "checksum")) {
            if (seen_checksum++ || (s = plain_int(s, end, &push->checksum)) == NULL)
                return NULL;
        }
        else if ((s = skip_value(s, end)) == NULL)
            return NULL;
        s = skip_ws(s, end);
        if (s < end && *s == '}')
            return push->has_bids && push->has_asks ? s + 1 : NULL;
        if (s >= end || *s++ != ',')
            return NULL;
        s = skip_ws(s, end);
    }
}

/* A whole push `{"arg":{…},"action":"…","data":[{"asks":[…],"bids":[…],"ts":"…",
 * "checksum":…,"prevSeqId":…,"seqId":…}]}` in its plain form: keys in any order, each
 * once; `data` one entry; strings plain (no escape, ASCII); numbers integers; nothing
 * else but the arg's strings. 1 when read, 0 when not in that form, -1 with an
 * exception. Missing fields take the typed decoder's defaults. */
static int
read_push(const char *s, const char *end, Push *push)
{
    int err = 0, seen_action = 0, seen_data = 0;
    push->seq = 0;
    push->prev = -1;
    push->checksum = 0;
    push->ts = 0;
    push->is_update = 0;
    push->has_bids = push->has_asks = 0;
    s = skip_ws(s, end);
    if (s >= end || *s++ != '{')
        return 0;
    s = skip_ws(s, end);
    for (;;) {
        const char *key;
        Py_ssize_t len;
        if ((s = plain_string(s, end, &key, &len)) == NULL)
            return 0;
        s = skip_ws(s, end);
        if (s >= end || *s++ != ':')
            return 0;
        s = skip_ws(s, end);
        if (key_is(key, len, "action")) {
            const char *action;
            Py_ssize_t action_len;
            if (seen_action++ || (s = plain_string(s, end, &action, &action_len)) == NULL)
                return 0;
            push->is_update = key_is(action, action_len, "update");
        }
        else if (key_is(key, len, "data")) {
            if (seen_data++ || s >= end || *s++ != '[')
                return 0;
            s = skip_ws(s, end);
            if ((s = read_entry(s, end, push, &err)) == NULL)
                return err ? -1 : 0;
            s = skip_ws(s, end);
            if (s >= end || *s++ != ']')
                return 0; /* more than one entry */
        }
        else if ((s = skip_value(s, end)) == NULL)
            return 0;
        s = skip_ws(s, end);
        if (s < end && *s == '}') {
            s = skip_ws(s + 1, end);
            return s == end && seen_data;
        }
        if (s >= end || *s++ != ',')
            return 0;
        s = skip_ws(s, end);
    }
}

/* apply_push(frame, local_id, depth): a whole push, read and applied in one call when
 * it is an update in the plain form whose prevSeqId is `local_id` (it continues the
 * book) and whose seqId is not negative: (seqId, ts, checksum sent, the book's checksum
 * of its best `depth` levels after it, or None) — the book's is computed only when one
 * was sent and the book is not crossed, None also when a level there has no text. None, with the book untouched, for any
 * other push (the caller decodes it and takes the general path). Level errors as
 * apply_json's, the levels before the bad one applied. */
static PyObject *
Sides_apply_push(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "apply_push takes 3 arguments");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[2]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    int overflow;
    long long local_id = PyLong_AsLongLongAndOverflow(args[1], &overflow);
    if (local_id == -1 && PyErr_Occurred())
        return NULL;
    if (overflow)
        Py_RETURN_NONE;
    Py_buffer view;
    const char *text;
    Py_ssize_t len;
    int held = 0;
    if (PyUnicode_Check(args[0])) {
        if (!PyUnicode_IS_COMPACT_ASCII(args[0]))
            Py_RETURN_NONE; /* text outside ASCII: the typed decoder */
        text = (const char *)PyUnicode_DATA(args[0]);
        len = PyUnicode_GET_LENGTH(args[0]);
    }
    else {
        if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
            return NULL;
        held = 1;
        text = view.buf;
        len = view.len;
    }
    /* a frame fresh from the socket is in the cache, one fed from a long list is not:
     * ask for all its lines at once rather than one at a time as the parse reaches them */
    for (Py_ssize_t at = 0; at < len; at += 64)
        __builtin_prefetch(text + at);
    Push push;
    spans_init(&push.bids);
    spans_init(&push.asks);
    PyObject *result = NULL;
    int read = read_push(text, text + len, &push);
    if (read < 0)
        goto done;
    if (read == 0 || !push.is_update || push.prev != local_id || push.seq < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (apply_spans(self, &self->bids, &push.bids) < 0 ||
        apply_spans(self, &self->asks, &push.asks) < 0)
        goto done;
    PyObject *mine = Py_None;
    int32_t value;
    int hashed = 0;
    if (push.checksum != 0 && !crossed(self) &&
        (hashed = book_checksum(self, depth, &value)) < 0)
        goto done;
    mine = hashed ? PyLong_FromLong(value) : Py_NewRef(Py_None);
    if (mine == NULL)
        goto done;
    result = Py_BuildValue("(LLLN)", push.seq, push.ts, push.checksum, mine);
done:
    spans_free(&push.bids);
    spans_free(&push.asks);
    if (held)
        PyBuffer_Release(&view);
    return result;
}

/* -- reads ------------------------------------------------------------------------------ */

/* checksum(depth): the signed CRC32 of the best `depth` levels' text; ValueError when a
 * level there has none. */
static PyObject *
Sides_checksum(Sides *self, PyObject *arg)
{
    Py_ssize_t depth = PyLong_AsSsize_t(arg);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    int32_t value;
    int hashed = book_checksum(self, depth, &value);
    if (hashed < 0)
        return NULL;
    if (hashed == 0) {
        PyErr_SetString(PyExc_ValueError, "a level loaded from numbers has no text to hash");
        return NULL;
    }
    return PyLong_FromLong(value);
}

/* texts(ask, depth): the "price:size" text of the best `depth` levels, best first. */
static PyObject *
Sides_texts(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "texts takes 2 arguments");
        return NULL;
    }
    Side *side = side_of(self, args[0]);
    Py_ssize_t depth = side == NULL ? -1 : PyLong_AsSsize_t(args[1]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t n = depth < 0 ? 0 : depth < side->count ? depth : side->count;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Level *level = side_at(side, i);
        if (level->px.data == NULL || level->sz.data == NULL) {
            PyErr_SetString(PyExc_ValueError, "a level loaded from numbers has no text to hash");
            return NULL;
        }
    }
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        const Level *level = side_at(side, i);
        PyObject *px = text_str(&level->px);
        PyObject *sz = px == NULL ? NULL : text_str(&level->sz);
        PyObject *both = sz == NULL ? NULL : PyUnicode_FromFormat("%U:%U", px, sz);
        Py_XDECREF(px);
        Py_XDECREF(sz);
        if (both == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, both);
    }
    return out;
}

static PyObject *
level_tuple(Sides *self, const Level *level)
{
    double q;
    if (level_qty(&self->reader, level, &q) < 0)
        return NULL;
    return Py_BuildValue("(dd)", level->price, q);
}

/* top(ask, n): the best n levels (all when n is None), best first, as (price, quantity):
 * sizes are read here, for the levels read only. */
static PyObject *
Sides_top(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "top takes 2 arguments");
        return NULL;
    }
    Side *side = side_of(self, args[0]);
    if (side == NULL)
        return NULL;
    Py_ssize_t n = side->count;
    if (args[1] != Py_None) {
        n = PyLong_AsSsize_t(args[1]);
        if (n == -1 && PyErr_Occurred())
            return NULL;
        n = n < 0 ? 0 : n < side->count ? n : side->count;
    }
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *level = level_tuple(self, side_at(side, i));
        if (level == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, level);
    }
    return out;
}

/* level_at(ask, index): the level `index` below the best, None past the last; a
 * negative index counts from the worst, as the Python store's list does. */
static PyObject *
Sides_level_at(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "level_at takes 2 arguments");
        return NULL;
    }
    Side *side = side_of(self, args[0]);
    Py_ssize_t index = side == NULL ? -1 : PyLong_AsSsize_t(args[1]);
    if (index == -1 && PyErr_Occurred())
        return NULL;
    if (index >= side->count)
        Py_RETURN_NONE;
    if (index < 0) {
        Py_ssize_t from_worst = -1 - index;
        if (from_worst >= side->count) {
            PyErr_SetString(PyExc_IndexError, "list index out of range");
            return NULL;
        }
        return level_tuple(self, side->slots[from_worst].level);
    }
    return level_tuple(self, side_at(side, index));
}

/* prices(ask, n): the best n prices, best first. */
static PyObject *
Sides_prices(Sides *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "prices takes 2 arguments");
        return NULL;
    }
    Side *side = side_of(self, args[0]);
    Py_ssize_t n = side == NULL ? -1 : PyLong_AsSsize_t(args[1]);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    n = n < 0 ? 0 : n < side->count ? n : side->count;
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *price = PyFloat_FromDouble(side_at(side, i)->price);
        if (price == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, price);
    }
    return out;
}

static PyObject *
Sides_depth(Sides *self, PyObject *unused)
{
    return Py_BuildValue("(nn)", self->bids.count, self->asks.count);
}

static PyObject *
Sides_crossed(Sides *self, PyObject *unused)
{
    return PyBool_FromLong(crossed(self));
}

static PyMethodDef Sides_methods[] = {
    {"load", (PyCFunction)(void (*)(void))Sides_load, METH_FASTCALL,
     "load(bids, asks): every level replaced by these (price, quantity), best last."},
    {"load_texts", (PyCFunction)(void (*)(void))Sides_load_texts, METH_FASTCALL,
     "load_texts(bids, asks): the text of the rows a snapshot was loaded from."},
    {"apply_rows", (PyCFunction)(void (*)(void))Sides_apply_rows, METH_FASTCALL,
     "apply_rows(bids, asks): absolute sizes as text rows."},
    {"apply_json", (PyCFunction)(void (*)(void))Sides_apply_json, METH_FASTCALL,
     "apply_json(bids_text, asks_text): the rows read from each side's JSON text."},
    {"apply_push", (PyCFunction)(void (*)(void))Sides_apply_push, METH_FASTCALL,
     "apply_push(frame, local_id, depth): a whole linked push read and applied in one "
     "call."},
    {"checksum", (PyCFunction)Sides_checksum, METH_O,
     "checksum(depth): the interleaved CRC32 of the best levels' text."},
    {"texts", (PyCFunction)(void (*)(void))Sides_texts, METH_FASTCALL,
     "texts(ask, depth): the best levels' \"price:size\" text."},
    {"top", (PyCFunction)(void (*)(void))Sides_top, METH_FASTCALL,
     "top(ask, n): the best n levels, best first."},
    {"level_at", (PyCFunction)(void (*)(void))Sides_level_at, METH_FASTCALL,
     "level_at(ask, index): one level by rank."},
    {"prices", (PyCFunction)(void (*)(void))Sides_prices, METH_FASTCALL,
     "prices(ask, n): the best n prices."},
    {"depth", (PyCFunction)Sides_depth, METH_NOARGS, "depth(): (bid levels, ask levels)."},
    {"crossed", (PyCFunction)Sides_crossed, METH_NOARGS,
     "crossed(): best bid not below best ask."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SidesType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tradeport.book._text_levels.Sides",
    .tp_basicsize = sizeof(Sides),
    .tp_dealloc = (destructor)Sides_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Sides(size, bad_level): both sides of a TextL2Book, levels held natively.",
    .tp_methods = Sides_methods,
    .tp_new = Sides_new,
};

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
    {"crc32", (PyCFunction)crc32_of, METH_O, "crc32(data): CRC-32 of bytes, as zlib.crc32."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_text_levels", "TextL2Book's levels, held and read in C.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__text_levels(void)
{
    crc_init();
#ifdef CRC_FOLD
    __builtin_cpu_init();
    crc_folds = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
    for (int c = 0x20; c < 0x80; c++)
        plain_char[c] = c != '"' && c != '\\';
    name_px = PyUnicode_InternFromString("px");
    name_sz = PyUnicode_InternFromString("sz");
    side_bid = PyUnicode_InternFromString("bid");
    side_ask = PyUnicode_InternFromString("ask");
    if (name_px == NULL || name_sz == NULL || side_bid == NULL || side_ask == NULL)
        return NULL;
    if (PyType_Ready(&SidesType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Sides", (PyObject *)&SidesType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
