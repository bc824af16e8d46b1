/* The compiled level store of L2Book: each side a sorted C array of (price, quantity)
 * doubles, and L2Book.apply_json, which reads a diff's levels straight from the JSON
 * text the venue sent.
 *
 * A `Side` keeps its levels ascending by key with the best last (ask prices negated),
 * as the pure-Python store (sides.py) keeps its price list: levels come and go mostly
 * near the top of the book, and at the end of the array an insert or a delete moves
 * only a few bytes. Applying a level is a bisection of contiguous doubles and a store:
 * no Python float, tuple or dict operation per level. Levels become (price, quantity)
 * tuples only when they are read; a full-depth read builds them once into a cache that
 * apply then keeps in step, so that the next full read is a list slice. Same results
 * and errors as the Python store, which stays the reference. Built by the package's own
 * build when a C compiler is there (setup.py); levels.py falls back to Python when not.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double key; /* the price; negated on the ask side */
    double qty;
} Level;

typedef struct {
    PyObject_HEAD
    Level *buffer;   /* `capacity` slots, the levels somewhere in the middle */
    Level *levels;   /* buffer + head: ascending by key, the best level last */
    Py_ssize_t head, count, capacity;
    int negate;      /* the ask side */
    PyObject *cache; /* a list of every level as a (price, quantity) tuple, best first, or NULL */
    Py_ssize_t unread; /* applies since the cache was last read */
} Side;

/* Applies a cache is kept in step for without being read. A consumer that reads the
 * whole book now and then (a recorder's periodic snapshot) would otherwise pay a tuple
 * and a shift of the cache per level on every apply after its read; one that reads
 * the whole book on every update keeps it. */
#define CACHE_APPLIES 64

static inline void
age_cache(Side *side)
{
    if (side->cache != NULL && ++side->unread > CACHE_APPLIES)
        Py_CLEAR(side->cache);
}

static PyTypeObject SideType;

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

/* The levels nearest the top, looked at first: most changes of a deep book fall there,
 * and a bisection of only these touches a few cache lines that stay warm, where one
 * over the whole array would fetch a line per probe of memory that, with hundreds of
 * books, is seldom still cached. A change deeper down costs one probe more. */
#define TOP_LEVELS 64

/* The first index whose key is not below `key` (NaN: 0, and never found there). The
 * bisection has no branch on the data: on a book's levels, which a diff hits at
 * random, a branch would be mispredicted half the time. */
static inline Py_ssize_t
lower_bound(const Side *side, double key)
{
    const Level *base = side->levels;
    Py_ssize_t n = side->count;
    if (n > TOP_LEVELS) {
        const Level *top = base + (n - TOP_LEVELS);
        if (top[-1].key < key) { /* at or above the top's first level */
            base = top;
            n = TOP_LEVELS;
        }
        else {
            n -= TOP_LEVELS;
        }
    }
    if (n == 0)
        return 0;
    while (n > 1) {
        Py_ssize_t half = n / 2;
        base = base[half].key < key ? base + half : base;
        n -= half;
    }
    return (base - side->levels) + (base->key < key);
}

/* Room for `count` levels, the current ones copied to the middle of a buffer of at least
 * twice that: a level is inserted or removed by moving the shorter part of the array
 * towards its end, so that on average a quarter of the levels move, and after this
 * call either end takes about count/2 inserts before the next. */
static int
recentre(Side *side, Py_ssize_t count)
{
    Py_ssize_t capacity = 16;
    while (capacity < 2 * count)
        capacity *= 2;
    Level *buffer = PyMem_Malloc(sizeof(Level) * (size_t)capacity);
    if (buffer == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t head = (capacity - side->count) / 2;
    if (side->count)
        memcpy(buffer + head, side->levels, sizeof(Level) * (size_t)side->count);
    PyMem_Free(side->buffer);
    side->buffer = buffer;
    side->levels = buffer + head;
    side->head = head;
    side->capacity = capacity;
    return 0;
}

/* A new level at `at` (the levels from `at` on move up one place), its slot made by
 * moving the shorter part of the array; 0, or -1 with an exception. */
static int
insert_at(Side *side, Py_ssize_t at, double key, double qty)
{
    Py_ssize_t count = side->count;
    int front = at < count - at;
    if (front ? side->head == 0 : side->head + count == side->capacity) {
        if (recentre(side, count + 1) < 0)
            return -1;
    }
    Level *levels = side->levels;
    if (front) {
        memmove(levels - 1, levels, sizeof(Level) * (size_t)at);
        levels = side->levels = levels - 1;
        side->head--;
    }
    else {
        memmove(&levels[at + 1], &levels[at], sizeof(Level) * (size_t)(count - at));
    }
    levels[at].key = key;
    levels[at].qty = qty;
    side->count = count + 1;
    return 0;
}

/* The level at `at` removed, by moving the shorter part of the array over it. */
static void
remove_at(Side *side, Py_ssize_t at)
{
    Py_ssize_t count = side->count;
    Level *levels = side->levels;
    if (at < count - 1 - at) {
        memmove(levels + 1, levels, sizeof(Level) * (size_t)at);
        side->levels = levels + 1;
        side->head++;
    }
    else {
        memmove(&levels[at], &levels[at + 1], sizeof(Level) * (size_t)(count - at - 1));
    }
    side->count = count - 1;
}

/* A new (price, quantity) tuple. */
static PyObject *
pair_tuple(double p, double q)
{
    PyObject *price = PyFloat_FromDouble(p), *qty = PyFloat_FromDouble(q);
    PyObject *tuple = price && qty ? PyTuple_New(2) : NULL;
    if (tuple == NULL) {
        Py_XDECREF(price);
        Py_XDECREF(qty);
        return NULL;
    }
    PyTuple_SET_ITEM(tuple, 0, price);
    PyTuple_SET_ITEM(tuple, 1, qty);
    return tuple;
}

/* The (price, quantity) tuple of the level at `index`: a new reference. */
static PyObject *
level_tuple(const Side *side, Py_ssize_t index)
{
    const Level *level = &side->levels[index];
    return pair_tuple(side->negate ? -level->key : level->key, level->qty);
}

/* Raise what bad_level(side, price, qty) returns (a MalformedMessage). `p_obj` and
 * `q_obj` are the level as given, or NULL for the doubles read from text. */
static int
raise_bad(PyObject *bad_level, PyObject *name, PyObject *p_obj, PyObject *q_obj, double p,
          double q)
{
    PyObject *price = p_obj ? Py_NewRef(p_obj) : PyFloat_FromDouble(p);
    PyObject *qty = q_obj ? Py_NewRef(q_obj) : PyFloat_FromDouble(q);
    if (price != NULL && qty != NULL) {
        PyObject *exc = PyObject_CallFunctionObjArgs(bad_level, name, price, qty, NULL);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
    }
    Py_XDECREF(price);
    Py_XDECREF(qty);
    return -1;
}

/* One level of L2Book.apply: a quantity above zero sets the level, zero removes it
 * (one the side does not hold is normal), anything else is no level. Only a new price
 * is checked: one in the side was checked when it entered. 0, or -1 with an exception. */
static int
apply_level(Side *side, PyObject *name, PyObject *bad_level, PyObject *p_obj,
            PyObject *q_obj, double p, double q)
{
    double key = side->negate ? -p : p;
    Py_ssize_t count = side->count;
    Py_ssize_t at = lower_bound(side, key);
    int held = at < count && side->levels[at].key == key;
    PyObject *cache = side->cache;
    if (0.0 < q && q < INFINITY) {
        if (held) {
            side->levels[at].qty = q;
            if (cache != NULL) {
                PyObject *level = level_tuple(side, at);
                /* PyList_SetItem steals the level; out of step, the cache is dropped
                 * and the next full read rebuilds it */
                if (level == NULL || PyList_SetItem(cache, count - 1 - at, level) < 0) {
                    Py_CLEAR(side->cache);
                    return -1;
                }
            }
            return 0;
        }
        if (!(0.0 < p && p < INFINITY))
            return raise_bad(bad_level, name, p_obj, q_obj, p, q);
        if (insert_at(side, at, key, q) < 0)
            return -1;
        if (cache != NULL) {
            PyObject *level = level_tuple(side, at);
            int err = level == NULL || PyList_Insert(cache, count - at, level) < 0;
            Py_XDECREF(level);
            if (err) {
                Py_CLEAR(side->cache); /* out of step: the next full read rebuilds it */
                return -1;
            }
        }
        return 0;
    }
    if (q == 0.0) {
        if (held) {
            remove_at(side, at);
            if (cache != NULL && PyList_SetSlice(cache, count - 1 - at, count - at, NULL) < 0) {
                Py_CLEAR(side->cache);
                return -1;
            }
            return 0;
        }
        if (!(0.0 < p && p < INFINITY))
            return raise_bad(bad_level, name, p_obj, q_obj, p, q);
        return 0;
    }
    return raise_bad(bad_level, name, p_obj, q_obj, p, q);
}

/* -- the Side type ----------------------------------------------------------------- */

static PyObject *
side_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    int negate = 0;
    static char *keywords[] = {"negate", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "p:Side", keywords, &negate))
        return NULL;
    Side *side = (Side *)type->tp_alloc(type, 0);
    if (side == NULL)
        return NULL;
    side->negate = negate;
    return (PyObject *)side;
}

static void
side_dealloc(Side *side)
{
    PyMem_Free(side->buffer);
    Py_XDECREF(side->cache);
    Py_TYPE(side)->tp_free((PyObject *)side);
}

static Py_ssize_t
side_len(Side *side)
{
    return side->count;
}

/* apply(rows, name, bad_level): L2Book.apply on this side; rows of (price, quantity). */
static PyObject *
side_apply(Side *side, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "apply takes 3 arguments");
        return NULL;
    }
    PyObject *name = args[1], *bad_level = args[2];
    PyObject *seq = PySequence_Fast(args[0], "levels must be iterable");
    if (seq == NULL)
        return NULL;
    age_cache(side);
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *row = items[i], *p_obj, *q_obj;
        if (PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == 2) {
            p_obj = PyTuple_GET_ITEM(row, 0);
            q_obj = PyTuple_GET_ITEM(row, 1);
        }
        else if (PyList_CheckExact(row) && PyList_GET_SIZE(row) == 2) {
            p_obj = PyList_GET_ITEM(row, 0);
            q_obj = PyList_GET_ITEM(row, 1);
        }
        else {
            PyErr_Format(PyExc_ValueError, "a level must be (price, quantity), got %R", row);
            goto fail;
        }
        double p, q;
        if (as_double(p_obj, &p) < 0 || as_double(q_obj, &q) < 0)
            goto fail;
        if (apply_level(side, name, bad_level, p_obj, q_obj, p, q) < 0)
            goto fail;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

static int
by_key(const void *a, const void *b)
{
    double x = ((const Level *)a)->key, y = ((const Level *)b)->key;
    return (x > y) - (x < y);
}

/* load(levels): the side replaced by a dict price -> quantity of checked levels, none
 * of them zero (L2Book.load makes it). */
static PyObject *
side_load(Side *side, PyObject *levels)
{
    if (!PyDict_Check(levels)) {
        PyErr_SetString(PyExc_TypeError, "load takes a dict price -> quantity");
        return NULL;
    }
    Py_ssize_t count = PyDict_GET_SIZE(levels), pos = 0, i = 0;
    side->count = 0;
    Py_CLEAR(side->cache);
    if (recentre(side, count) < 0)
        return NULL;
    side->head = (side->capacity - count) / 2;
    side->levels = side->buffer + side->head;
    PyObject *p_obj, *q_obj;
    while (PyDict_Next(levels, &pos, &p_obj, &q_obj)) {
        double p, q;
        if (as_double(p_obj, &p) < 0 || as_double(q_obj, &q) < 0) {
            side->count = 0;
            return NULL;
        }
        side->levels[i].key = side->negate ? -p : p;
        side->levels[i].qty = q;
        i++;
    }
    qsort(side->levels, (size_t)i, sizeof(Level), by_key);
    side->count = i;
    Py_RETURN_NONE;
}

/* top(n): the best n levels (all when n is None), best first. */
static PyObject *
side_top(Side *side, PyObject *arg)
{
    Py_ssize_t count = side->count, n = count;
    if (arg != Py_None) {
        n = PyLong_AsSsize_t(arg);
        if (n == -1 && PyErr_Occurred())
            return NULL;
        if (n < 0)
            n = 0;
        if (n > count)
            n = count;
    }
    else if (side->cache == NULL) {
        PyObject *cache = PyList_New(count);
        if (cache == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *level = level_tuple(side, count - 1 - i);
            if (level == NULL) {
                Py_DECREF(cache);
                return NULL;
            }
            PyList_SET_ITEM(cache, i, level);
        }
        side->cache = cache;
    }
    if (side->cache != NULL) {
        side->unread = 0;
        return PyList_GetSlice(side->cache, 0, n);
    }
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *level = level_tuple(side, count - 1 - i);
        if (level == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, level);
    }
    return out;
}

/* at(index): the level `index` places from the best (0: the best), None past the last;
 * a negative index counts from the worst, as a Python list's does. */
static PyObject *
side_at(Side *side, PyObject *arg)
{
    Py_ssize_t index = PyLong_AsSsize_t(arg);
    if (index == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t count = side->count;
    if (index >= count)
        Py_RETURN_NONE;
    if (index >= 0)
        return level_tuple(side, count - 1 - index);
    /* as the Python store's keys[-1 - index]: -1 the worst level, -count the best */
    if (index < -count) {
        PyErr_SetString(PyExc_IndexError, "level index out of range");
        return NULL;
    }
    return level_tuple(side, -1 - index);
}

/* prices(n): the best n prices, best first. */
static PyObject *
side_prices(Side *side, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "prices: n must not be negative");
        return NULL;
    }
    Py_ssize_t count = side->count;
    if (n > count)
        n = count;
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        double key = side->levels[count - 1 - i].key;
        PyObject *price = PyFloat_FromDouble(side->negate ? -key : key);
        if (price == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, price);
    }
    return out;
}

/* crosses(asks): this (bid) side's best price not below the best ask: written as "not
 * bid < ask" so that a NaN on either side counts as crossed. */
static PyObject *
side_crosses(Side *side, PyObject *other)
{
    if (!PyObject_TypeCheck(other, &SideType)) {
        PyErr_SetString(PyExc_TypeError, "crosses takes the other Side");
        return NULL;
    }
    Side *asks = (Side *)other;
    if (side->count == 0 || asks->count == 0)
        Py_RETURN_FALSE;
    double bid = side->levels[side->count - 1].key;
    double ask = -asks->levels[asks->count - 1].key;
    return PyBool_FromLong(!(bid < ask));
}

static PyMethodDef side_methods[] = {
    {"apply", (PyCFunction)(void (*)(void))side_apply, METH_FASTCALL,
     "apply(rows, name, bad_level): L2Book.apply on this side."},
    {"load", (PyCFunction)side_load, METH_O, "load(levels): replace the levels (a dict)."},
    {"top", (PyCFunction)side_top, METH_O, "top(n): the best n levels (None: all), best first."},
    {"at", (PyCFunction)side_at, METH_O, "at(index): the level index places from the best."},
    {"prices", (PyCFunction)side_prices, METH_O, "prices(n): the best n prices, best first."},
    {"crosses", (PyCFunction)side_crosses, METH_O,
     "crosses(asks): this bid side's best price is not below the best ask."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods side_as_sequence = {
    .sq_length = (lenfunc)side_len,
};

static PyTypeObject SideType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tradeport.book._levels.Side",
    .tp_basicsize = sizeof(Side),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One side of an L2 book: levels as a sorted array of doubles, best last.",
    .tp_new = side_new,
    .tp_dealloc = (destructor)side_dealloc,
    .tp_as_sequence = &side_as_sequence,
    .tp_methods = side_methods,
};

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
 * into it as a (price, quantity) tuple, for a follower of the book's changes. */
static int
apply_rows(Rows *rows, Side *side, PyObject *name, PyObject *bad_level, PyObject *kept)
{
    age_cache(side);
    for (Py_ssize_t i = 0; i < rows->count; i++) {
        double p = rows->pairs[2 * i], q = rows->pairs[2 * i + 1];
        if (kept != NULL) {
            PyObject *row = Py_BuildValue("(dd)", p, q);
            int err = row == NULL || PyList_Append(kept, row) < 0;
            Py_XDECREF(row);
            if (err)
                return -1;
        }
        if (apply_level(side, name, bad_level, NULL, NULL, p, q) < 0)
            return -1;
    }
    return 0;
}

/* apply_json(bids_text, asks_text, bids, asks, bad_level, changes)
 *
 * L2Book.apply with both sides given as JSON text, onto two Sides: True once applied;
 * None, with the book untouched, when either side's text is not the plain form (both
 * are read before anything is applied). The texts are bytes-like (bytes, msgspec.Raw).
 * With `changes` (a list, or None), the levels read are appended to it as one (bids,
 * asks) pair of lists of (price, quantity) tuples before they are applied, as
 * L2Book.apply keeps them for a follower. */
static PyObject *
apply_json(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "apply_json takes 6 arguments");
        return NULL;
    }
    PyObject *bad_level = args[4];
    PyObject *changes = args[5] != Py_None ? args[5] : NULL;
    if (!PyObject_TypeCheck(args[2], &SideType) || !PyObject_TypeCheck(args[3], &SideType)) {
        PyErr_SetString(PyExc_TypeError, "apply_json: bids and asks must be Sides");
        return NULL;
    }
    if (changes != NULL && !PyList_Check(changes)) {
        PyErr_SetString(PyExc_TypeError, "apply_json: changes must be a list");
        return NULL;
    }
    Side *bids = (Side *)args[2], *asks = (Side *)args[3];
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
    if (apply_rows(&bid_rows, bids, side_names[0], bad_level, bid_kept) < 0 ||
        apply_rows(&ask_rows, asks, side_names[1], bad_level, ask_kept) < 0)
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

/* (p1, q1) < (p2, q2) as Python compares two (price, quantity) tuples of floats (no
 * NaN here: the plain form has none) */
static inline int
level_below(const double *a, const double *b)
{
    return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
}

/* sorted_levels(text, descending)
 *
 * A whole side sent as JSON text `[["price","qty"],...]` (a partial book's), as the
 * list `sorted(levels, reverse=descending)` of (price, quantity) tuples would be: None
 * when the text is not the plain form or a level is not a price above zero and a
 * quantity not below zero, for the caller's typed decoder to read or refuse. Rows that
 * come in the order wanted are kept as they are, rows in strictly the opposite order
 * reversed; any other order is sorted by the list's own sort, so the result is the
 * one `sorted` gives, ties included. levels.py `sorted_json_levels` is the twin. */
static PyObject *
sorted_levels(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "sorted_levels takes 2 arguments");
        return NULL;
    }
    int descending = PyObject_IsTrue(args[1]);
    if (descending < 0)
        return NULL;
    Rows rows = {.capacity = 64};
    rows.pairs = rows.inline_pairs;
    PyObject *result = NULL;
    int read = read_rows(args[0], &rows);
    if (read <= 0) {
        result = read < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t n = rows.count;
    const double *pairs = rows.pairs;
    int in_order = 1, reversed = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *level = &pairs[2 * i];
        if (!(0.0 < level[0] && 0.0 <= level[1])) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        if (i == 0)
            continue;
        /* wanted: no level above the one before it (descending), or below it; in
         * strictly the opposite order, every level is */
        const double *before = level - 2;
        if (descending ? level_below(before, level) : level_below(level, before))
            in_order = 0;
        else
            reversed = 0;
    }
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t from = in_order || !reversed ? i : n - 1 - i;
        PyObject *level = pair_tuple(pairs[2 * from], pairs[2 * from + 1]);
        if (level == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, level);
    }
    if (!in_order && !reversed) {
        PyObject *sort = PyObject_GetAttrString(result, "sort");
        PyObject *kwargs = sort ? Py_BuildValue("{s:O}", "reverse", descending ? Py_True : Py_False) : NULL;
        PyObject *empty = kwargs ? PyTuple_New(0) : NULL;
        PyObject *done_sort = empty ? PyObject_Call(sort, empty, kwargs) : NULL;
        Py_XDECREF(sort);
        Py_XDECREF(kwargs);
        Py_XDECREF(empty);
        if (done_sort == NULL)
            Py_CLEAR(result);
        Py_XDECREF(done_sort);
    }
done:
    if (rows.pairs != rows.inline_pairs)
        PyMem_Free(rows.pairs);
    return result;
}

/* -- a frame of one known shape -------------------------------------------------------
 *
 * A venue's frame of one trade is a JSON object whose keys come in the same order every
 * time. read_shape(text, shape, captured) reads a frame written exactly as `shape`
 * says: a tuple whose items are bytes (text that must be there as it is, no whitespace
 * added) or one of the value codes below, each a value in its plain form. It returns
 * the `captured` values in order, or None when the text is anything else (another key
 * order, a key more or less, an escape, a number in another form…), for the caller's
 * typed decoder, which reads such a frame or names what is wrong. What is read here is
 * what msgspec decodes from the same text; levels.py `py_read_shape` is the twin. */

enum {
    SHAPE_SKIP_STR = 0, /* a string of printable ASCII without escapes, not kept */
    SHAPE_STR = 1,      /* the same, kept as a str */
    SHAPE_INT = 2,      /* an integer -?(0|[1-9][0-9]*) of at most 18 digits, an int */
    SHAPE_SKIP_INT = 3, /* the same, not kept */
    SHAPE_ID = 4,       /* a non-negative integer of at most 18 digits, kept as its str */
    SHAPE_NUMBER = 5,   /* a plain number in quotes (read_number), a float */
    SHAPE_BOOL = 6,     /* true or false, a bool */
    SHAPE_SKIP_BOOL = 7,
};

/* The digits of an integer at `s` (a '-' first when `sign`): the position after it, or
 * NULL when the text there is not one of at most 18 digits. */
static const char *
read_integer(const char *s, const char *end, int sign, long long *out)
{
    int negative = 0;
    if (sign && s < end && *s == '-') {
        negative = 1;
        s++;
    }
    if (s >= end || *s < '0' || *s > '9')
        return NULL;
    long long value = 0;
    if (*s == '0') {
        s++;
    }
    else {
        int digits = 0;
        while (s < end && *s >= '0' && *s <= '9') {
            if (++digits > 18)
                return NULL;
            value = value * 10 + (*s++ - '0');
        }
    }
    *out = negative ? -value : value;
    return s;
}

static PyObject *
read_shape(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "read_shape takes (text, shape tuple, captured)");
        return NULL;
    }
    PyObject *shape = args[1];
    Py_ssize_t captured = PyLong_AsSsize_t(args[2]);
    if (captured < 0)
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    Py_buffer view = {.obj = NULL};
    const char *s;
    Py_ssize_t length;
    if (PyUnicode_Check(args[0])) {
        s = PyUnicode_AsUTF8AndSize(args[0], &length);
        if (s == NULL) { /* a lone surrogate, say: no shape's text, the typed decoder's */
            PyErr_Clear();
            Py_RETURN_NONE;
        }
    }
    else {
        if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
            return NULL;
        s = view.buf;
        length = view.len;
    }
    const char *end = s + length;
    PyObject *out = PyTuple_New(captured);
    if (out == NULL)
        goto fail;
    Py_ssize_t kept = 0, tokens = PyTuple_GET_SIZE(shape);
    for (Py_ssize_t i = 0; i < tokens; i++) {
        PyObject *token = PyTuple_GET_ITEM(shape, i);
        if (PyBytes_CheckExact(token)) {
            Py_ssize_t n = PyBytes_GET_SIZE(token);
            if (end - s < n || memcmp(s, PyBytes_AS_STRING(token), (size_t)n) != 0)
                goto other;
            s += n;
            continue;
        }
        long code = PyLong_AsLong(token);
        PyObject *value = NULL;
        if (code == SHAPE_SKIP_STR || code == SHAPE_STR) {
            if (s >= end || *s != '"')
                goto other;
            const char *start = ++s;
            while (s < end && *s != '"') {
                if (*s < 0x20 || *s == '\\' || (unsigned char)*s >= 0x80)
                    goto other;
                s++;
            }
            if (s >= end)
                goto other;
            if (code == SHAPE_STR && (value = PyUnicode_DecodeASCII(start, s - start, NULL)) == NULL)
                goto fail;
            s++;
        }
        else if (code == SHAPE_INT || code == SHAPE_SKIP_INT || code == SHAPE_ID) {
            long long number;
            const char *start = s;
            if ((s = read_integer(s, end, code != SHAPE_ID, &number)) == NULL)
                goto other;
            if (code == SHAPE_INT && (value = PyLong_FromLongLong(number)) == NULL)
                goto fail;
            if (code == SHAPE_ID && (value = PyUnicode_DecodeASCII(start, s - start, NULL)) == NULL)
                goto fail;
        }
        else if (code == SHAPE_NUMBER) {
            double number;
            if ((s = read_number(s, end, &number)) == NULL)
                goto other;
            if ((value = PyFloat_FromDouble(number)) == NULL)
                goto fail;
        }
        else if (code == SHAPE_BOOL || code == SHAPE_SKIP_BOOL) {
            int truth;
            if (end - s >= 4 && memcmp(s, "true", 4) == 0) {
                truth = 1;
                s += 4;
            }
            else if (end - s >= 5 && memcmp(s, "false", 5) == 0) {
                truth = 0;
                s += 5;
            }
            else {
                goto other;
            }
            if (code == SHAPE_BOOL)
                value = Py_NewRef(truth ? Py_True : Py_False);
        }
        else {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "read_shape: unknown value code %ld", code);
            goto fail;
        }
        if (value != NULL) {
            if (kept == captured) {
                Py_DECREF(value);
                PyErr_SetString(PyExc_ValueError, "read_shape: more values than captured");
                goto fail;
            }
            PyTuple_SET_ITEM(out, kept++, value);
        }
    }
    if (s != end || kept != captured)
        goto other;
    if (view.obj != NULL)
        PyBuffer_Release(&view);
    return out;
other:
    Py_XDECREF(out);
    if (view.obj != NULL)
        PyBuffer_Release(&view);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(out);
    if (view.obj != NULL)
        PyBuffer_Release(&view);
    return NULL;
}

static PyMethodDef methods[] = {
    {"apply_json", (PyCFunction)(void (*)(void))apply_json, METH_FASTCALL,
     "apply_json(bids_text, asks_text, bids, asks, bad_level, changes): L2Book.apply "
     "from JSON text onto two Sides; None when not the plain form."},
    {"sorted_levels", (PyCFunction)(void (*)(void))sorted_levels, METH_FASTCALL,
     "sorted_levels(text, descending): a side's JSON text as sorted (price, quantity) "
     "tuples; None when not the plain form or not real levels."},
    {"read_shape", (PyCFunction)(void (*)(void))read_shape, METH_FASTCALL,
     "read_shape(text, shape, captured): the values of a frame written as `shape` "
     "says; None when it is written any other way."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_levels", "L2Book's level store, compiled.", -1, methods,
};

PyMODINIT_FUNC
PyInit__levels(void)
{
    side_names[0] = PyUnicode_InternFromString("bid");
    side_names[1] = PyUnicode_InternFromString("ask");
    if (side_names[0] == NULL || side_names[1] == NULL)
        return NULL;
    if (PyType_Ready(&SideType) < 0)
        return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL)
        return NULL;
    if (PyModule_AddObjectRef(mod, "Side", (PyObject *)&SideType) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
