"""The type stubs (lyapcert/__init__.pyi, plot.pyi) describe the module as it is: every public name has a stub,
every stubbed Python function has the runtime's parameters in the same order with the same defaults present,
and every public function's docstring states its guarantee. Under a second. docs/python.md.
"""
import ast
import inspect
import os

import pytest

import lyapcert

PKG = os.path.dirname(lyapcert.__file__)


def stub(name):
    path = os.path.join(PKG, name)
    assert os.path.isfile(path), f"{path} is not installed beside the package"
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


def stub_defs(tree):
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, []).append(node)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out.setdefault(t.id, []).append(node)
    return out


def params(fn_node):
    a = fn_node.args
    names = [x.arg for x in a.posonlyargs + a.args]
    names += [a.vararg.arg] if a.vararg else []
    names += [x.arg for x in a.kwonlyargs] + ([a.kwarg.arg] if a.kwarg else [])
    return names, len(a.defaults) + sum(
        d is not None for d in a.kw_defaults)


def test_every_public_name_has_a_stub_and_signatures_match():
    defs = stub_defs(stub("__init__.pyi"))
    assert os.path.isfile(os.path.join(PKG, "py.typed"))
    for name in lyapcert.__all__:
        assert name in defs, f"{name} has no stub"
        obj = getattr(lyapcert, name)
        if inspect.isfunction(obj):  # Python-level functions: compare with the runtime signature
            sig = inspect.signature(obj)
            for node in defs[name]:
                names, n_defaults = params(node)
                assert names == list(sig.parameters), (name, names, list(sig.parameters))
                assert n_defaults == sum(p.default is not inspect.Parameter.empty for p in sig.parameters.values())
        if inspect.isclass(obj):
            (node,) = [n for n in defs[name] if isinstance(n, ast.ClassDef)]
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name != "__getattr__":
                    assert hasattr(obj, item.name), (name, item.name)


def test_plot_stub_matches():
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (Debian: python3-matplotlib)")
    import lyapcert.plot as lp
    defs = stub_defs(stub("plot.pyi"))
    for name in lp.__all__:
        assert name in defs
        if inspect.isfunction(getattr(lp, name)):
            (node,) = defs[name]
            assert params(node)[0] == list(inspect.signature(getattr(lp, name)).parameters)


@pytest.mark.parametrize("name", ["lyap1d", "moment", "lyapnd", "boundaries", "phase", "estimate", "phase_diagram",
                                  "atoms", "minibatch", "CurvatureLaw", "critical_snr", "sign", "simulate", "check",
                                  "table", "recheck", "verify", "command"])
def test_docstrings_state_the_guarantee(name):
    doc = getattr(lyapcert, name).__doc__ or ""
    assert "Guarantee" in doc, (name, doc)
