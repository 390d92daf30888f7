"""Sign in and out; the office's user administration."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app.core.db import utcnow
from app.districts.services import active_districts, district_by_code
from app.extensions import db, limiter

from . import services
from .access import ADMIN, staff_required
from .forms import ActionForm, LoginForm, UserForm
from .models import Role, User

bp = Blueprint("auth", __name__)


def _safe_next(target):
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def home_for(user):
    if user.role == Role.district:
        return url_for("districts.home")
    return url_for("reception.today")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, ip=request.remote_addr, now=utcnow()
            )
        except services.AuthError as exc:
            db.session.commit()  # keep the failure: it counts towards the lock
            error = exc.message
        else:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(form.next.data) or home_for(user))
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate():
        abort(400)
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("days.index"))


def _user_form():
    form = UserForm()
    form.district.choices = [("", "—")] + [(d.code, d.name_ru) for d in active_districts()]
    return form


@bp.route("/office/users", methods=["GET", "POST"])
@staff_required(*ADMIN)
def users():
    form = _user_form()
    if form.validate_on_submit():
        district = district_by_code(form.district.data) if form.district.data else None
        try:
            services.create_user(
                form.email.data,
                form.role.data,
                form.password.data,
                district=district,
                full_name=form.full_name.data or "",
                by=current_user,
            )
            db.session.commit()
        except services.AuthError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, exc.message]
        else:
            flash(_("The user is created."), "success")
            return redirect(url_for("auth.users"))
    people = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("auth/users.html", form=form, users=people, action=ActionForm())


@bp.post("/office/users/<int:user_id>/<any(activate, deactivate, revoke):change>")
@staff_required(*ADMIN)
def change_user(user_id, change):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    if change == "revoke":
        services.revoke_tokens(user, by=current_user)
    elif user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("auth.users"))
    else:
        services.set_active(user, change == "activate", by=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("auth.users"))
