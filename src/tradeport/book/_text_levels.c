/* TextL2Book's per-level loop, its top-N read and its checksum, compiled.
 *
 * Same data as the pure-Python text store (text_levels.py), same results, same errors.
 * A side is three containers shared with Python:
 *   keys     dict  price text -> entry, for the levels held
 *   entries  dict  price (float) -> entry
 *   prices   list  the prices held, ascending, best last (ask prices negated)
 * and an entry is the list [price, price text, size], the size being the text as the
 * venue sent it (converted to a quantity only when read) or, for a level loaded from
 * numbers, the quantity itself. A level already held is found by its text and updated
 * by swapping one pointer: no float is built for it, no dict is written.
 *
 * Sizes are still read on every update, here in C: a zero size removes the level and
 * a size that is not a real quantity is refused. Text this file's parser does not take
 * whole goes to Python's float(), so what is accepted is exactly what float() accepts.
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

/* -- sizes ------------------------------------------------------------------------- */

/* How sizes are read: `text + suffix` as a float, or a Python function of the text. */
typedef struct {
    PyObject *size;  /* the suffix (str) or the function */
    const char *suffix;
    Py_ssize_t suffix_len;
} SizeReader;

static int
size_reader(PyObject *size, SizeReader *reader)
{
    reader->size = size;
    reader->suffix = NULL;
    reader->suffix_len = 0;
    if (PyUnicode_Check(size)) {
        reader->suffix = PyUnicode_AsUTF8AndSize(size, &reader->suffix_len);
        return reader->suffix == NULL ? -1 : 0;
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
    const char *text = PyUnicode_AsUTF8AndSize(sz, &len);
    if (text == NULL)
        return -1;
    if (len > 0 && len + reader->suffix_len < SHORT_TEXT) {
        char buffer[SHORT_TEXT];
        memcpy(buffer, text, len);
        memcpy(buffer + len, reader->suffix, reader->suffix_len);
        buffer[len + reader->suffix_len] = '\0';
        double value = PyOS_string_to_double(buffer, NULL, NULL);
        if (!(value == -1.0 && PyErr_Occurred())) {
            *out = value;
            return 0;
        }
        PyErr_Clear(); /* not plain: float() decides (spaces, underscores, errors) */
    }
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

/* -- the sorted prices --------------------------------------------------------------- */

/* First index whose price is >= value in an ascending list of floats. */
static int
bisect_left(PyObject *prices, double value, Py_ssize_t *out)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        double item;
        if (as_double(PyList_GET_ITEM(prices, mid), &item) < 0)
            return -1;
        if (item < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

static int
insert_price(PyObject *prices, double key)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) { /* insort (right) */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        double item;
        if (as_double(PyList_GET_ITEM(prices, mid), &item) < 0)
            return -1;
        if (key < item)
            hi = mid;
        else
            lo = mid + 1;
    }
    PyObject *stored = PyFloat_FromDouble(key);
    if (stored == NULL)
        return -1;
    int err = PyList_Insert(prices, lo, stored);
    Py_DECREF(stored);
    return err;
}

static int
remove_price(PyObject *prices, double key)
{
    Py_ssize_t at;
    if (bisect_left(prices, key, &at) < 0)
        return -1;
    return PyList_SetSlice(prices, at, at + 1, NULL);
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

/* Forget the level of `entry` (its text key too, when it has one). */
static int
drop_level(PyObject *keys, PyObject *entries, PyObject *prices, PyObject *entry, double key)
{
    PyObject *price = PyList_GET_ITEM(entry, 0);
    PyObject *text = PyList_GET_ITEM(entry, 1);
    Py_INCREF(entry); /* the dicts may hold the last references */
    int err = 0;
    if (text != Py_None && PyDict_DelItem(keys, text) < 0)
        err = -1;
    else if (PyDict_DelItem(entries, price) < 0)
        err = -1;
    else if (remove_price(prices, key) < 0)
        err = -1;
    Py_DECREF(entry);
    return err;
}

/* apply_side(rows, keys, entries, prices, negate, size, side, bad_level)
 *
 * Absolute sizes as text; a zero size removes the level (a level not held is no
 * error). MalformedMessage (from bad_level) for a level that is not a real one, and
 * float()'s ValueError for text that is no number: the rows before it are applied. */
static PyObject *
apply_side(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "apply_side takes 8 arguments");
        return NULL;
    }
    PyObject *rows = args[0], *keys = args[1], *entries = args[2], *prices = args[3];
    int negate = PyObject_IsTrue(args[4]);
    PyObject *side = args[6], *bad_level = args[7];
    if (negate < 0)
        return NULL;
    if (!PyDict_Check(keys) || !PyDict_Check(entries) || !PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "apply_side: keys, entries: dicts; prices: a list");
        return NULL;
    }
    SizeReader reader;
    if (size_reader(args[5], &reader) < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(rows, "levels must be iterable");
    if (seq == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    RowLayout layout = {NULL, -1, -1};
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *px, *sz, *owned;
        if (row_texts(items[i], &layout, &px, &sz, &owned) < 0)
            goto fail;
        if (!PyUnicode_CheckExact(px) || !PyUnicode_CheckExact(sz)) {
            PyErr_Format(PyExc_TypeError, "a level must be (price, size) text, got %R", items[i]);
            Py_XDECREF(owned);
            goto fail;
        }
        double q;
        if (read_size(&reader, sz, &q) < 0) {
            Py_XDECREF(owned);
            goto fail;
        }
        PyObject *entry = PyDict_GetItemWithError(keys, px); /* borrowed */
        if (entry != NULL) {
            /* a level held: its price was checked when it entered */
            PyObject *price = PyList_GET_ITEM(entry, 0);
            if (0.0 < q && q < INFINITY) {
                Py_INCREF(sz);
                PyList_SetItem(entry, 2, sz); /* steals; drops the old size */
            }
            else if (q == 0.0) {
                double p = PyFloat_AS_DOUBLE(price);
                if (drop_level(keys, entries, prices, entry, negate ? -p : p) < 0) {
                    Py_XDECREF(owned);
                    goto fail;
                }
            }
            else {
                raise_bad(bad_level, side, price, q);
                Py_XDECREF(owned);
                goto fail;
            }
            Py_XDECREF(owned);
            continue;
        }
        if (PyErr_Occurred()) {
            Py_XDECREF(owned);
            goto fail;
        }
        PyObject *price = PyFloat_FromString(px);
        if (price == NULL) {
            Py_XDECREF(owned);
            goto fail;
        }
        double p = PyFloat_AS_DOUBLE(price);
        if (!(0.0 < p && p < INFINITY && 0.0 <= q && q < INFINITY)) {
            raise_bad(bad_level, side, price, q);
            Py_DECREF(price);
            Py_XDECREF(owned);
            goto fail;
        }
        double key = negate ? -p : p;
        int err = 0;
        PyObject *held = PyDict_GetItemWithError(entries, price); /* borrowed */
        if (held == NULL && PyErr_Occurred()) {
            err = -1;
        }
        else if (held != NULL) {
            /* held under another text of the same number ("1" / "1.0") */
            PyObject *old = PyList_GET_ITEM(held, 1);
            if (old != Py_None && PyDict_DelItem(keys, old) < 0) {
                err = -1;
            }
            else if (q == 0.0) {
                Py_INCREF(Py_None); /* its text key is gone already */
                PyList_SetItem(held, 1, Py_None);
                err = drop_level(keys, entries, prices, held, key);
            }
            else {
                Py_INCREF(px);
                PyList_SetItem(held, 1, px); /* steals; drops the old text */
                Py_INCREF(sz);
                PyList_SetItem(held, 2, sz);
                err = PyDict_SetItem(keys, px, held);
            }
        }
        else if (q != 0.0) { /* a new level (removing one not held is normal) */
            PyObject *fresh = PyList_New(3);
            if (fresh == NULL) {
                err = -1;
            }
            else {
                PyList_SET_ITEM(fresh, 0, Py_NewRef(price));
                PyList_SET_ITEM(fresh, 1, Py_NewRef(px));
                PyList_SET_ITEM(fresh, 2, Py_NewRef(sz));
                if (PyDict_SetItem(entries, price, fresh) < 0 ||
                    PyDict_SetItem(keys, px, fresh) < 0 || insert_price(prices, key) < 0)
                    err = -1;
                Py_DECREF(fresh);
            }
        }
        Py_DECREF(price);
        Py_XDECREF(owned);
        if (err < 0)
            goto fail;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

/* top(entries, prices, n, negate, size): the best n levels (all when n is None), best
 * first, as (price, quantity): sizes are read here, for the levels read only. */
static PyObject *
top(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "top takes 5 arguments");
        return NULL;
    }
    PyObject *entries = args[0], *prices = args[1];
    int negate = PyObject_IsTrue(args[3]);
    if (negate < 0)
        return NULL;
    if (!PyDict_Check(entries) || !PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "top: entries must be a dict, prices a list");
        return NULL;
    }
    SizeReader reader;
    if (size_reader(args[4], &reader) < 0)
        return NULL;
    Py_ssize_t size = PyList_GET_SIZE(prices), n = size;
    if (args[2] != Py_None) {
        n = PyLong_AsSsize_t(args[2]);
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
        PyObject *item = PyList_GET_ITEM(prices, size - 1 - i);
        PyObject *price;
        if (negate) {
            double value;
            if (as_double(item, &value) < 0)
                goto fail;
            price = PyFloat_FromDouble(-value);
            if (price == NULL)
                goto fail;
        }
        else {
            price = Py_NewRef(item);
        }
        PyObject *entry = PyDict_GetItemWithError(entries, price);
        double q;
        if (entry == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, price);
            Py_DECREF(price);
            goto fail;
        }
        if (read_size(&reader, PyList_GET_ITEM(entry, 2), &q) < 0) {
            Py_DECREF(price);
            goto fail;
        }
        PyObject *qty = PyFloat_FromDouble(q);
        PyObject *level = qty == NULL ? NULL : PyTuple_New(2);
        if (level == NULL) {
            Py_XDECREF(qty);
            Py_DECREF(price);
            goto fail;
        }
        PyTuple_SET_ITEM(level, 0, price); /* steals */
        PyTuple_SET_ITEM(level, 1, qty);
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

static int
buffer_add(Buffer *buf, const char *text, size_t len)
{
    if (buf->len + len > buf->cap) {
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
    }
    memcpy(buf->data + buf->len, text, len);
    buf->len += len;
    return 0;
}

/* Append "px:sz" of the level at `index` below the best of one side. */
static int
add_level(Buffer *buf, PyObject *entries, PyObject *prices, Py_ssize_t index, int negate)
{
    PyObject *item = PyList_GET_ITEM(prices, PyList_GET_SIZE(prices) - 1 - index);
    PyObject *price;
    if (negate) {
        double value;
        if (as_double(item, &value) < 0)
            return -1;
        price = PyFloat_FromDouble(-value);
        if (price == NULL)
            return -1;
    }
    else {
        price = Py_NewRef(item);
    }
    PyObject *entry = PyDict_GetItemWithError(entries, price);
    if (entry == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, price);
        Py_DECREF(price);
        return -1;
    }
    Py_DECREF(price);
    PyObject *px = PyList_GET_ITEM(entry, 1), *sz = PyList_GET_ITEM(entry, 2);
    if (!PyUnicode_Check(px) || !PyUnicode_Check(sz)) {
        PyErr_SetString(PyExc_ValueError, "a level loaded from numbers has no text to hash");
        return -1;
    }
    Py_ssize_t px_len, sz_len;
    const char *px_text = PyUnicode_AsUTF8AndSize(px, &px_len);
    const char *sz_text = px_text == NULL ? NULL : PyUnicode_AsUTF8AndSize(sz, &sz_len);
    if (sz_text == NULL)
        return -1;
    if (buf->len && buffer_add(buf, ":", 1) < 0)
        return -1;
    if (buffer_add(buf, px_text, px_len) < 0 || buffer_add(buf, ":", 1) < 0)
        return -1;
    return buffer_add(buf, sz_text, sz_len);
}

/* checksum(bid_entries, bid_prices, ask_entries, ask_prices, depth): the signed CRC32
 * of the best `depth` levels of each side as "bid1px:bid1sz:ask1px:ask1sz:bid2px:…",
 * a shorter side's missing levels skipped (checksum.py `crc32_interleaved`). */
static PyObject *
checksum(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "checksum takes 5 arguments");
        return NULL;
    }
    PyObject *bid_entries = args[0], *bid_prices = args[1];
    PyObject *ask_entries = args[2], *ask_prices = args[3];
    if (!PyDict_Check(bid_entries) || !PyList_Check(bid_prices) || !PyDict_Check(ask_entries) ||
        !PyList_Check(ask_prices)) {
        PyErr_SetString(PyExc_TypeError, "checksum: entries must be dicts, prices lists");
        return NULL;
    }
    Py_ssize_t depth = PyLong_AsSsize_t(args[4]);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t bids = PyList_GET_SIZE(bid_prices), asks = PyList_GET_SIZE(ask_prices);
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
        if (i < bids && add_level(&buf, bid_entries, bid_prices, i, 0) < 0)
            goto done;
        if (i < asks && add_level(&buf, ask_entries, ask_prices, i, 1) < 0)
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
     "apply_side(rows, keys, entries, prices, negate, size, side, bad_level): one side of "
     "TextL2Book.apply_text."},
    {"top", (PyCFunction)(void (*)(void))top, METH_FASTCALL,
     "top(entries, prices, n, negate, size): the best n levels of one side, best first."},
    {"checksum", (PyCFunction)(void (*)(void))checksum, METH_FASTCALL,
     "checksum(bid_entries, bid_prices, ask_entries, ask_prices, depth): the interleaved "
     "CRC32 of the top levels' text."},
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
    name_px = PyUnicode_InternFromString("px");
    name_sz = PyUnicode_InternFromString("sz");
    if (name_px == NULL || name_sz == NULL)
        return NULL;
    return PyModule_Create(&module);
}
