/* The per-level loop of L2Book.apply and its top-N read, compiled; and L2Book.apply_json,
 * which reads a diff's levels straight from the JSON text the venue sent.
 *
 * Same data as the pure-Python store (levels.py), same results, same errors: a side is
 * a dict price -> quantity plus an ascending list of its prices with the best last
 * (ask prices negated). The Python store stays the reference; this one only removes
 * the interpreter's per-level overhead. Built by the package's own build when a C
 * compiler is there (setup.py); levels.py falls back to Python when it is not.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

static inline int
as_double(PyObject *obj, double *out)
{
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
        return 0;
    }
    *out = PyFloat_AsDouble(obj);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* First index whose price is >= value (left) or > value (right) in an ascending list. */
static int
bisect(PyObject *prices, double value, int right, Py_ssize_t *out)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(prices);
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        double item;
        if (as_double(PyList_GET_ITEM(prices, mid), &item) < 0)
            return -1;
        if (right ? (value < item) : !(item < value))
            hi = mid;
        else
            lo = mid + 1;
    }
    *out = lo;
    return 0;
}

/* Raise what bad_level(side, price, qty) returns (a MalformedMessage). */
static PyObject *
raise_bad(PyObject *bad_level, PyObject *side, PyObject *price, PyObject *qty)
{
    PyObject *exc = PyObject_CallFunctionObjArgs(bad_level, side, price, qty, NULL);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* The (price, quantity) tuple a side's cache holds for a level: the row itself when it
 * is one (no allocation), else (row NULL or a list) a new tuple. A new reference. */
static PyObject *
cached_level(PyObject *row, PyObject *p_obj, PyObject *q_obj)
{
    if (row != NULL && PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == 2)
        return Py_NewRef(row);
    return PyTuple_Pack(2, p_obj, q_obj);
}

/* One level of L2Book.apply on one side: the body of the per-level loop of both
 * apply_side and apply_json. `row` is the level as received when it is a (price,
 * quantity) tuple the cache may hold as it is, else NULL. 0, or -1 with an exception. */
static int
apply_level(PyObject *levels, PyObject *prices, int negate, PyObject *cache,
            PyObject *side, PyObject *bad_level, PyObject *row,
            PyObject *p_obj, PyObject *q_obj, double p, double q)
{
    double key = negate ? -p : p;
    Py_ssize_t count_before = PyList_GET_SIZE(prices);
    if (0.0 < q && q < INFINITY) {
        Py_ssize_t size = PyDict_GET_SIZE(levels);
        if (PyDict_SetItem(levels, p_obj, q_obj) < 0)
            return -1;
        if (PyDict_GET_SIZE(levels) != size) {
            /* a new price: the only one not yet checked */
            if (!(0.0 < p && p < INFINITY)) {
                if (PyDict_DelItem(levels, p_obj) < 0)
                    return -1;
                raise_bad(bad_level, side, p_obj, q_obj);
                return -1;
            }
            Py_ssize_t at;
            if (bisect(prices, key, 1, &at) < 0)
                return -1;
            PyObject *stored = negate ? PyFloat_FromDouble(key) : Py_NewRef(p_obj);
            if (stored == NULL)
                return -1;
            int err = PyList_Insert(prices, at, stored);
            Py_DECREF(stored);
            if (err < 0)
                return -1;
            if (cache != NULL) {
                PyObject *level = cached_level(row, p_obj, q_obj);
                if (level == NULL)
                    return -1;
                err = PyList_Insert(cache, count_before - at, level);
                Py_DECREF(level);
                if (err < 0)
                    return -1;
            }
        }
        else if (cache != NULL) {
            Py_ssize_t at;
            if (bisect(prices, key, 0, &at) < 0)
                return -1;
            PyObject *level = cached_level(row, p_obj, q_obj);
            if (level == NULL)
                return -1;
            if (PyList_SetItem(cache, count_before - 1 - at, level) < 0) /* steals */
                return -1;
        }
    }
    else if (q == 0.0) {
        int held = PyDict_Contains(levels, p_obj);
        if (held < 0)
            return -1;
        if (held) {
            if (PyDict_DelItem(levels, p_obj) < 0)
                return -1;
            Py_ssize_t at;
            if (bisect(prices, key, 0, &at) < 0)
                return -1;
            if (PyList_SetSlice(prices, at, at + 1, NULL) < 0)
                return -1;
            Py_ssize_t gone = count_before - 1 - at;
            if (cache != NULL && PyList_SetSlice(cache, gone, gone + 1, NULL) < 0)
                return -1;
        }
        else if (!(0.0 < p && p < INFINITY)) {
            raise_bad(bad_level, side, p_obj, q_obj);
            return -1;
        }
    }
    else {
        raise_bad(bad_level, side, p_obj, q_obj);
        return -1;
    }
    return 0;
}

/* A side's level cache argument: NULL for None, else a list as long as `prices`. */
static int
side_cache(PyObject *arg, PyObject *prices, PyObject **out)
{
    if (arg == Py_None) {
        *out = NULL;
        return 0;
    }
    if (!PyList_Check(arg) || PyList_GET_SIZE(arg) != PyList_GET_SIZE(prices)) {
        PyErr_SetString(PyExc_RuntimeError, "the level cache is out of step");
        return -1;
    }
    *out = arg;
    return 0;
}

/* apply_side(rows, levels, prices, negate, side, bad_level, cache)
 *
 * `cache`, when not None, is the side's levels as (price, quantity) tuples, best first
 * (the reverse of `prices`): it is kept in step here, so that a full-depth read is a
 * list slice. */
static PyObject *
apply_side(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "apply_side takes 7 arguments");
        return NULL;
    }
    PyObject *rows = args[0], *levels = args[1], *prices = args[2];
    int negate = PyObject_IsTrue(args[3]);
    PyObject *side = args[4], *bad_level = args[5], *cache;
    if (negate < 0)
        return NULL;
    if (!PyDict_Check(levels) || !PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "apply_side: levels must be a dict, prices a list");
        return NULL;
    }
    if (side_cache(args[6], prices, &cache) < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(rows, "levels must be iterable");
    if (seq == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *row = items[i], *p_obj, *q_obj;
        if (row != NULL && PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == 2) {
            p_obj = PyTuple_GET_ITEM(row, 0);
            q_obj = PyTuple_GET_ITEM(row, 1);
        }
        else if (PyList_CheckExact(row) && PyList_GET_SIZE(row) == 2) {
            p_obj = PyList_GET_ITEM(row, 0);
            q_obj = PyList_GET_ITEM(row, 1);
            row = NULL; /* not a tuple the cache can hold */
        }
        else {
            PyErr_Format(PyExc_ValueError, "a level must be (price, quantity), got %R", row);
            goto fail;
        }
        double p, q;
        if (as_double(p_obj, &p) < 0 || as_double(q_obj, &q) < 0)
            goto fail;
        if (apply_level(levels, prices, negate, cache, side, bad_level, row, p_obj, q_obj, p, q) < 0)
            goto fail;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

/* -- levels as JSON text ---------------------------------------------------------------
 *
 * Venues send a side of a diff as `[["price","qty"],...]`. Decoding that into Python
 * tuples of floats (msgspec) costs more than applying it; here the text is read
 * directly. Only the plain form is read: each number a string of the JSON number
 * grammar without exponent (-?(0|[1-9][0-9]*)(.[0-9]+)?) of at most 18 digits (a lone
 * leading 0 not counted) whose integer is 2**53 at most, so that it and the power of
 * ten are exact doubles and one IEEE division gives the correctly rounded value
 * (Clinger's fast path): the value msgspec decodes from the same text, "-0" included
 * (it reads an integer: +0.0). levels.py `json_levels` reads the same form the same
 * way, in Python. Anything else (an exponent,
 * "NaN", an escape, a number outside the string, a row of three) is left to the
 * caller's typed decoder, which reads it or names what is wrong. */

#define MAX_EXACT 9007199254740992ULL /* 2**53 */

/* "bid" and "ask", as bad_level names them in its message (made at import) */
static PyObject *side_names[2];

static const double POW10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    1e16, 1e17, 1e18,
};

static inline const char *
skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
        s++;
    return s;
}

/* A plain number in quotes at `s`: its value in *out and the position after the closing
 * quote, or NULL when the text there is not one. */
static const char *
read_number(const char *s, const char *end, double *out)
{
    if (s >= end || *s != '"')
        return NULL;
    s++;
    int negative = 0;
    if (s < end && *s == '-') {
        negative = 1;
        s++;
    }
    if (s >= end || *s < '0' || *s > '9')
        return NULL;
    unsigned long long mantissa = 0;
    int digits = 0, fraction = 0;
    if (*s == '0') {
        s++;
    }
    else {
        while (s < end && *s >= '0' && *s <= '9') {
            if (++digits > 18) /* 18 digits fit the 64 bits; 2**53 is tested after */
                return NULL;
            mantissa = mantissa * 10 + (unsigned long long)(*s++ - '0');
        }
    }
    if (s < end && *s == '.') {
        s++;
        if (s >= end || *s < '0' || *s > '9')
            return NULL;
        while (s < end && *s >= '0' && *s <= '9') {
            if (++digits > 18)
                return NULL;
            fraction++;
            mantissa = mantissa * 10 + (unsigned long long)(*s++ - '0');
        }
    }
    if (s >= end || *s != '"' || mantissa > MAX_EXACT)
        return NULL;
    double value = (double)mantissa;
    if (fraction) {
        value /= POW10[fraction];
        if (negative)
            value = -value;
    }
    else if (negative && mantissa) {
        value = -value; /* an integer: "-0" is +0.0, as an int converts */
    }
    *out = value;
    return s + 1;
}

/* The rows of one side's text as price, quantity pairs in `buf` (grown as needed);
 * 1 when read, 0 when not the plain form, -1 with an exception. */
typedef struct {
    double *pairs;
    Py_ssize_t count, capacity;
    double inline_pairs[2 * 64];
} Rows;

static int
read_rows(PyObject *text, Rows *rows)
{
    Py_buffer view;
    if (PyObject_GetBuffer(text, &view, PyBUF_SIMPLE) < 0)
        return -1;
    const char *s = view.buf, *end = s + view.len;
    int result = 0;
    rows->count = 0;
    s = skip_ws(s, end);
    if (s >= end || *s++ != '[')
        goto done;
    s = skip_ws(s, end);
    if (s < end && *s == ']') {
        s++;
        result = 1;
        goto check_end;
    }
    for (;;) {
        double p, q;
        if (s >= end || *s++ != '[')
            goto done;
        s = skip_ws(s, end);
        if ((s = read_number(s, end, &p)) == NULL)
            goto done;
        s = skip_ws(s, end);
        if (s >= end || *s++ != ',')
            goto done;
        s = skip_ws(s, end);
        if ((s = read_number(s, end, &q)) == NULL)
            goto done;
        s = skip_ws(s, end);
        if (s >= end || *s++ != ']')
            goto done;
        if (rows->count == rows->capacity) {
            Py_ssize_t capacity = rows->capacity * 2;
            double *grown;
            if (rows->pairs == rows->inline_pairs) {
                grown = PyMem_Malloc(sizeof(double) * 2 * capacity);
                if (grown != NULL)
                    memcpy(grown, rows->pairs, sizeof(double) * 2 * rows->count);
            }
            else {
                grown = PyMem_Realloc(rows->pairs, sizeof(double) * 2 * capacity);
            }
            if (grown == NULL) {
                PyErr_NoMemory();
                result = -1;
                goto done;
            }
            rows->pairs = grown;
            rows->capacity = capacity;
        }
        rows->pairs[2 * rows->count] = p;
        rows->pairs[2 * rows->count + 1] = q;
        rows->count++;
        s = skip_ws(s, end);
        if (s < end && *s == ',') {
            s = skip_ws(s + 1, end);
            continue;
        }
        if (s < end && *s == ']') {
            s++;
            result = 1;
            break;
        }
        goto done;
    }
check_end:
    if (skip_ws(s, end) != end)
        result = 0; /* trailing text: not one array */
done:
    PyBuffer_Release(&view);
    return result;
}

/* The rows applied to one side; with `kept` (a list, else NULL) each level also goes
 * into it as a (price, quantity) tuple, the tuple the side's cache then holds. */
static int
apply_rows(Rows *rows, PyObject *levels, PyObject *prices, int negate, PyObject *cache,
           PyObject *side, PyObject *bad_level, PyObject *kept)
{
    for (Py_ssize_t i = 0; i < rows->count; i++) {
        double p = rows->pairs[2 * i], q = rows->pairs[2 * i + 1];
        PyObject *p_obj = PyFloat_FromDouble(p);
        if (p_obj == NULL)
            return -1;
        PyObject *q_obj = PyFloat_FromDouble(q);
        if (q_obj == NULL) {
            Py_DECREF(p_obj);
            return -1;
        }
        PyObject *row = NULL;
        if (kept != NULL) {
            row = PyTuple_Pack(2, p_obj, q_obj);
            if (row == NULL || PyList_Append(kept, row) < 0) {
                Py_XDECREF(row);
                Py_DECREF(p_obj);
                Py_DECREF(q_obj);
                return -1;
            }
        }
        int err = apply_level(levels, prices, negate, cache, side, bad_level, row,
                              p_obj, q_obj, p, q);
        Py_XDECREF(row);
        Py_DECREF(p_obj);
        Py_DECREF(q_obj);
        if (err < 0)
            return -1;
    }
    return 0;
}

/* apply_json(bids_text, asks_text, bids, bid_prices, bid_cache, asks, ask_prices,
 *            ask_cache, bad_level[, changes])
 *
 * L2Book.apply with both sides given as JSON text: True once applied; None, with the
 * book untouched, when either side's text is not the plain form (both are read before
 * anything is applied). The texts are bytes-like (bytes, msgspec.Raw). With `changes`
 * (a list, or None), the levels read are appended to it as one (bids, asks) pair of
 * lists of (price, quantity) tuples before they are applied, as L2Book.apply keeps
 * them for a follower. */
static PyObject *
apply_json(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9 && nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "apply_json takes 9 or 10 arguments");
        return NULL;
    }
    PyObject *bids = args[2], *bid_prices = args[3], *asks = args[5], *ask_prices = args[6];
    PyObject *bad_level = args[8], *bid_cache, *ask_cache;
    PyObject *changes = nargs == 10 && args[9] != Py_None ? args[9] : NULL;
    if (!PyDict_Check(bids) || !PyList_Check(bid_prices) || !PyDict_Check(asks) ||
        !PyList_Check(ask_prices)) {
        PyErr_SetString(PyExc_TypeError, "apply_json: levels must be dicts, prices lists");
        return NULL;
    }
    if (changes != NULL && !PyList_Check(changes)) {
        PyErr_SetString(PyExc_TypeError, "apply_json: changes must be a list");
        return NULL;
    }
    if (side_cache(args[4], bid_prices, &bid_cache) < 0 ||
        side_cache(args[7], ask_prices, &ask_cache) < 0)
        return NULL;
    PyObject *bid_kept = NULL, *ask_kept = NULL;
    Rows bid_rows = {.capacity = 64}, ask_rows = {.capacity = 64};
    bid_rows.pairs = bid_rows.inline_pairs;
    ask_rows.pairs = ask_rows.inline_pairs;
    PyObject *result = NULL;
    int read = read_rows(args[0], &bid_rows);
    if (read > 0)
        read = read_rows(args[1], &ask_rows);
    if (read < 0)
        goto done;
    if (read == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (changes != NULL) {
        bid_kept = PyList_New(0);
        ask_kept = PyList_New(0);
        PyObject *pair = bid_kept && ask_kept ? PyTuple_Pack(2, bid_kept, ask_kept) : NULL;
        int err = pair == NULL || PyList_Append(changes, pair) < 0;
        Py_XDECREF(pair);
        if (err)
            goto done;
    }
    if (apply_rows(&bid_rows, bids, bid_prices, 0, bid_cache, side_names[0], bad_level,
                   bid_kept) < 0 ||
        apply_rows(&ask_rows, asks, ask_prices, 1, ask_cache, side_names[1], bad_level,
                   ask_kept) < 0)
        goto done;
    result = Py_NewRef(Py_True);
done:
    Py_XDECREF(bid_kept);
    Py_XDECREF(ask_kept);
    if (bid_rows.pairs != bid_rows.inline_pairs)
        PyMem_Free(bid_rows.pairs);
    if (ask_rows.pairs != ask_rows.inline_pairs)
        PyMem_Free(ask_rows.pairs);
    return result;
}

/* top(levels, prices, n, negate): the best n levels (all when n is None), best first. */
static PyObject *
top(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "top takes 4 arguments");
        return NULL;
    }
    PyObject *levels = args[0], *prices = args[1];
    int negate = PyObject_IsTrue(args[3]);
    if (negate < 0)
        return NULL;
    if (!PyDict_Check(levels) || !PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "top: levels must be a dict, prices a list");
        return NULL;
    }
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
        PyObject *qty = PyDict_GetItemWithError(levels, price);
        if (qty == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, price);
            Py_DECREF(price);
            goto fail;
        }
        PyObject *level = PyTuple_New(2);
        if (level == NULL) {
            Py_DECREF(price);
            goto fail;
        }
        PyTuple_SET_ITEM(level, 0, price); /* steals */
        PyTuple_SET_ITEM(level, 1, Py_NewRef(qty));
        PyList_SET_ITEM(out, i, level);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"apply_side", (PyCFunction)(void (*)(void))apply_side, METH_FASTCALL,
     "apply_side(rows, levels, prices, negate, side, bad_level, cache): L2Book.apply, one side."},
    {"apply_json", (PyCFunction)(void (*)(void))apply_json, METH_FASTCALL,
     "apply_json(bids_text, asks_text, bids, bid_prices, bid_cache, asks, ask_prices, "
     "ask_cache, bad_level[, changes]): L2Book.apply from JSON text; None when not the "
     "plain form."},
    {"top", (PyCFunction)(void (*)(void))top, METH_FASTCALL,
     "top(levels, prices, n, negate): the best n levels of one side, best first."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_levels", "L2Book's per-level loops, compiled.", -1, methods,
};

PyMODINIT_FUNC
PyInit__levels(void)
{
    side_names[0] = PyUnicode_InternFromString("bid");
    side_names[1] = PyUnicode_InternFromString("ask");
    if (side_names[0] == NULL || side_names[1] == NULL)
        return NULL;
    return PyModule_Create(&module);
}
