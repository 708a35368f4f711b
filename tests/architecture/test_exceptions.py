"""Every exception of the package sits under one base and says in one line what it means."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import invoicetools
from invoicetools.domain.errors import InterruptedAfterCommit, InvoiceToolsError


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(invoicetools.__path__, "invoicetools."):
        if info.name.startswith("invoicetools.excel"):
            continue  # the entry points import nothing of their own at the top; their exceptions are below
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def test_every_exception_is_an_invoicetools_error_with_a_docstring() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15  # the tree in domain/errors.py: the walk found the package's exceptions
    outside = [c.__qualname__ for c in classes if not issubclass(c, InvoiceToolsError) and c is not InterruptedAfterCommit]
    assert outside == []
    undocumented = [c.__qualname__ for c in classes if not (c.__doc__ or "").strip()
                    or c.__doc__ == (c.__mro__[1].__doc__ or None)]
    assert undocumented == []


def test_the_one_exception_outside_is_a_signal() -> None:
    """Ctrl+C held until a step committed must still stop the program like Ctrl+C does."""
    assert issubclass(InterruptedAfterCommit, KeyboardInterrupt)
    assert not issubclass(InterruptedAfterCommit, Exception)
