/* The per-level loop of L2Book.apply and its top-N read, compiled.
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
 * is one (no allocation), else a new tuple. A new reference. */
static PyObject *
cached_level(PyObject *row, PyObject *p_obj, PyObject *q_obj)
{
    if (PyTuple_CheckExact(row) && PyTuple_GET_SIZE(row) == 2)
        return Py_NewRef(row);
    return PyTuple_Pack(2, p_obj, q_obj);
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
    PyObject *side = args[4], *bad_level = args[5], *cache = args[6];
    if (negate < 0)
        return NULL;
    if (!PyDict_Check(levels) || !PyList_Check(prices)) {
        PyErr_SetString(PyExc_TypeError, "apply_side: levels must be a dict, prices a list");
        return NULL;
    }
    if (cache == Py_None) {
        cache = NULL;
    }
    else if (!PyList_Check(cache) || PyList_GET_SIZE(cache) != PyList_GET_SIZE(prices)) {
        PyErr_SetString(PyExc_RuntimeError, "apply_side: the level cache is out of step");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(rows, "levels must be iterable");
    if (seq == NULL)
        return NULL;
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
        double key = negate ? -p : p;
        Py_ssize_t count_before = PyList_GET_SIZE(prices);
        if (0.0 < q && q < INFINITY) {
            Py_ssize_t size = PyDict_GET_SIZE(levels);
            if (PyDict_SetItem(levels, p_obj, q_obj) < 0)
                goto fail;
            if (PyDict_GET_SIZE(levels) != size) {
                /* a new price: the only one not yet checked */
                if (!(0.0 < p && p < INFINITY)) {
                    if (PyDict_DelItem(levels, p_obj) < 0)
                        goto fail;
                    raise_bad(bad_level, side, p_obj, q_obj);
                    goto fail;
                }
                Py_ssize_t at;
                if (bisect(prices, key, 1, &at) < 0)
                    goto fail;
                PyObject *stored = negate ? PyFloat_FromDouble(key) : Py_NewRef(p_obj);
                if (stored == NULL)
                    goto fail;
                int err = PyList_Insert(prices, at, stored);
                Py_DECREF(stored);
                if (err < 0)
                    goto fail;
                if (cache != NULL) {
                    PyObject *level = cached_level(row, p_obj, q_obj);
                    if (level == NULL)
                        goto fail;
                    err = PyList_Insert(cache, count_before - at, level);
                    Py_DECREF(level);
                    if (err < 0)
                        goto fail;
                }
            }
            else if (cache != NULL) {
                Py_ssize_t at;
                if (bisect(prices, key, 0, &at) < 0)
                    goto fail;
                PyObject *level = cached_level(row, p_obj, q_obj);
                if (level == NULL)
                    goto fail;
                if (PyList_SetItem(cache, count_before - 1 - at, level) < 0) /* steals */
                    goto fail;
            }
        }
        else if (q == 0.0) {
            int held = PyDict_Contains(levels, p_obj);
            if (held < 0)
                goto fail;
            if (held) {
                if (PyDict_DelItem(levels, p_obj) < 0)
                    goto fail;
                Py_ssize_t at;
                if (bisect(prices, key, 0, &at) < 0)
                    goto fail;
                if (PyList_SetSlice(prices, at, at + 1, NULL) < 0)
                    goto fail;
                Py_ssize_t gone = count_before - 1 - at;
                if (cache != NULL && PyList_SetSlice(cache, gone, gone + 1, NULL) < 0)
                    goto fail;
            }
            else if (!(0.0 < p && p < INFINITY)) {
                raise_bad(bad_level, side, p_obj, q_obj);
                goto fail;
            }
        }
        else {
            raise_bad(bad_level, side, p_obj, q_obj);
            goto fail;
        }
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
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
    return PyModule_Create(&module);
}
