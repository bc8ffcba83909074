"""Hot queries compiled once per database, not once per request.

Django builds and compiles a queryset's SQL on every evaluation; for the few queries every
booking runs (the caller, the departure locked with its stations, the account's limits) that
is most of their CPU. `Prepared(build)` compiles `build(*args)` once per database (with two
sets of marker arguments, to find where each argument lands among the SQL parameters and to
prove every other parameter constant) and then only binds the arguments and turns rows into
objects as Django does. Arguments are integers and datetimes (adapted as Django adapts them).
A query the plan cannot prove runs through the ORM as before.
"""

import datetime
import threading

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import sql
from django.db.models.query import (
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

_MARK_TIME = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)


def _markers(kinds, round_):
    """Values no real argument takes, distinct per argument and per round."""
    markers = []
    for i, kind in enumerate(kinds):
        offset = 1000 * round_ + i + 1
        if kind is int:
            # Within every integer column's range, smallint's too: PostgreSQL's backend
            # compiles a value beyond a column's range as no condition (EmptyResultSet).
            markers.append(16_000 + offset)
        else:
            markers.append(_MARK_TIME + datetime.timedelta(seconds=offset))
    return markers


def _kind(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Django compiles a value outside a column's range differently (no condition, or
        # none found): such values, and negative ones, go through the ORM.
        return int if 0 <= value < 2**31 else None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return datetime.datetime
    return None


def _same(marker, param):
    """`param` is `marker` as the compiler passed it on: itself, or an integer wrapped in a
    subclass of int."""
    if type(marker) is type(param):
        return marker == param
    return type(marker) is int and isinstance(param, int) and int(param) == marker


def _adapt(connection, kind, value):
    if kind is int:
        return value
    return connection.ops.adapt_datetimefield_value(value)


class _Plan:
    def __init__(self, sql, params, slots, kinds, compiler, queryset):
        self.sql = sql
        self.params = params  # constants, with None where an argument goes
        self.slots = slots  # (parameter position, argument index, int wrapper or None)
        self.kinds = kinds
        self.locks = bool(queryset.query.select_for_update)
        self.values = queryset._iterable_class is ValuesListIterable
        select = compiler.select
        fields = [s[0] for s in select[0 : compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        if not self.values:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = (start, end)
            self.init_list = [f[0].target.attname for f in select[start:end]]
            self.klass_info = klass_info
            self.select = select
            self.annotations = list((compiler.annotation_col_map or {}).items())


class Prepared:
    """`Prepared(build)`: `.all(*args)` gives what `list(build(*args))` gives (model
    instances, or value tuples for `values_list`), `.first(*args)` the first or None."""

    def __init__(self, build):
        self.build = build
        self._plans = {}
        self._lock = threading.Lock()

    def _plan(self, connection, args, kinds):
        key = (connection.alias, connection.vendor, kinds)
        try:
            return self._plans[key]
        except KeyError:
            pass
        plan = self._make_plan(connection, args, kinds)
        with self._lock:
            self._plans[key] = plan
        return plan

    def _compile(self, connection, markers):
        """(sql, params, what the rows need), or None when the query is not one to prepare."""
        queryset = self.build(*markers)
        if (
            queryset.db != connection.alias
            or queryset._iterable_class not in (ModelIterable, ValuesListIterable)
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            return None
        if queryset._iterable_class is ValuesListIterable:
            query = queryset.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            fields = [*queryset._fields, *(f for f in query.annotation_select
                                           if f not in queryset._fields)]  # fmt: skip
            if fields != names:
                return None
        compiler = queryset.query.get_compiler(using=connection.alias)
        sql, params = compiler.as_sql()
        return sql, list(params), (compiler, queryset)

    def _make_plan(self, connection, args, kinds):
        if None in kinds:
            return None
        try:
            compiled = [
                self._compile(connection, values)
                for values in (_markers(kinds, 1), _markers(kinds, 2), args)
            ]
        except (EmptyResultSet, FullResultSet):
            return None
        if None in compiled:
            return None
        (sql, params, state), (sql2, params2, _state2), (sql3, params3, _state3) = compiled
        # The same SQL for both markers and for the first real arguments: no value took
        # another way through the compiler.
        if not sql == sql2 == sql3 or not len(params) == len(params2) == len(params3):
            return None
        marks = [
            [_adapt(connection, kind, m) for kind, m in zip(kinds, _markers(kinds, r), strict=True)]
            for r in (1, 2)
        ]
        slots = []
        constants = []
        for position, (first, second) in enumerate(zip(params, params2, strict=True)):
            found = [i for i, m in enumerate(marks[0]) if _same(m, first)]
            if found:
                (index,) = found  # markers are distinct: one argument per parameter
                if not _same(marks[1][index], second) or type(second) is not type(first):
                    return None
                # psycopg's Int2/Int4/Int8, which PostgreSQL's lookups wrap integers in
                wrap = type(first) if type(first) is not type(marks[0][index]) else None
                slots.append((position, index, wrap))
                constants.append(None)
            elif first == second and not any(first == m for m in marks[1]):
                constants.append(first)
            else:
                return None  # an argument transformed on its way into the SQL: not provable
        plan = self._new_plan(sql, constants, slots, kinds, state)
        if self._params(connection, plan, args) != params3:
            return None  # the real arguments would not have been bound as the ORM binds them
        return plan

    @staticmethod
    def _new_plan(sql, constants, slots, kinds, state):
        return _Plan(sql, constants, slots, kinds, *state)

    def _params(self, connection, plan, args):
        params = list(plan.params)
        for position, index, wrap in plan.slots:
            value = _adapt(connection, plan.kinds[index], args[index])
            params[position] = value if wrap is None else wrap(value)
        return params

    def compiles(self, *args):
        """Whether calls with arguments like these run the compiled plan (not the ORM)."""
        connection = connections[DEFAULT_DB_ALIAS]
        return self._plan(connection, args, tuple(_kind(a) for a in args)) is not None

    def all(self, *args):
        connection = connections[DEFAULT_DB_ALIAS]
        kinds = tuple(_kind(a) for a in args)
        plan = self._plan(connection, args, kinds)
        if plan is None:
            return list(self.build(*args))
        if plan.locks and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, self._params(connection, plan, args))
            rows = cursor.fetchall()
        if plan.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, expression) in plan.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        if plan.values:
            return [tuple(row) for row in rows]
        return self._instances(plan, rows, connection.alias)

    @staticmethod
    def _instances(plan, rows, db):
        start, end = plan.model_slice
        populators = get_related_populators(plan.klass_info, plan.select, db)
        objects = []
        for row in rows:
            obj = plan.model.from_db(db, plan.init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in plan.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def first(self, *args):
        found = self.all(*args)
        return found[0] if found else None


class _UpdatePlan:
    def __init__(self, sql, params, slots, kinds, forget):
        self.sql = sql
        self.params = params
        self.slots = slots
        self.kinds = kinds
        self.forget = forget


class PreparedUpdate(Prepared):
    """`PreparedUpdate(build)`, `build(*args)` giving `(queryset, {field: value})`:
    `.run(*args)` is `queryset.update(**values)`, the number of rows changed. A queryset
    that forgets what is kept of its table after a bulk write (a `forget()` method, such as
    trips.models.ForgettingQuerySet's, which must not depend on the rows) still does."""

    def _compile(self, connection, markers):
        queryset, values = self.build(*markers)
        if queryset.db != connection.alias or queryset.query.order_by:
            return None
        query = queryset.query.chain(sql.UpdateQuery)
        query.add_update_values(values)
        if query.related_updates:
            return None
        query.clear_select_clause()
        compiled, params = query.get_compiler(connection.alias).as_sql()
        return compiled, list(params), getattr(queryset, "forget", None)

    @staticmethod
    def _new_plan(sql, constants, slots, kinds, state):
        return _UpdatePlan(sql, constants, slots, kinds, state)

    def run(self, *args):
        connection = connections[DEFAULT_DB_ALIAS]
        plan = self._plan(connection, args, tuple(_kind(a) for a in args))
        if plan is None:
            queryset, values = self.build(*args)
            return queryset.update(**values)
        with transaction.mark_for_rollback_on_error(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(plan.sql, self._params(connection, plan, args))
                changed = cursor.rowcount
        if changed and plan.forget is not None:
            plan.forget()  # what the queryset's update() does after a change
        return changed
