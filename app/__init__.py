"""The Civil Initiatives Day application."""

from flask import Flask

from . import config as settings
from .core.db import include_object, ping_idle_connections
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(config=None):
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
    )
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        # The client's address and scheme as the proxies in front of us saw them.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from .core import assets, converters, errors, i18n, params, security

    app.url_map.converters["isodate"] = converters.IsoDateConverter
    app.url_map.converters["int"] = params.BoundedIntConverter

    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine)
    migrate.init_app(
        app, db, directory=str(app.root_path + "/../migrations"), include_object=include_object
    )
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    assets.init_app(app)

    from .auth.models import User

    @login_manager.user_loader
    def load_user(session_id):
        # "<id>:<session version>" (User.get_id): a cookie from an earlier version is void.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user

    from .api import queue as _api_queue  # noqa: F401  (its routes join the API blueprint)
    from .api import views as api_views
    from .auth.views import bp as auth_bp
    from .bookings.views import bp as bookings_bp
    from .days.views import bp as days_bp
    from .districts.views import bp as districts_bp
    from .office.views import bp as office_bp
    from .queue.display import bp as display_bp
    from .queue.kiosk_views import bp as kiosk_bp
    from .queue.views import bp as queue_bp
    from .queue.waitlist_views import bp as waitlist_bp
    from .reception.views import bp as reception_bp
    from .registry.views import bp as registry_bp

    blueprints = (
        days_bp,
        bookings_bp,
        auth_bp,
        reception_bp,
        districts_bp,
        registry_bp,
        office_bp,
        queue_bp,
        display_bp,
        waitlist_bp,
        kiosk_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    api_views.init_app(app)
    csrf.exempt(api_views.bp)

    from .auth.cli import users_cli
    from .bookings.cli import reminders_cli
    from .core.cli import outbox_cli
    from .days.cli import days_cli
    from .dev.cli import dev_cli
    from .districts.cli import quotas_cli
    from .office.cli import privacy_cli
    from .places.cli import seed
    from .registry.cli import proposals_cli

    app.cli.add_command(days_cli)
    app.cli.add_command(seed)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(quotas_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(dev_cli)
    app.cli.add_command(proposals_cli)

    _import_models()
    return app


def _import_models():
    # Every model on the metadata (for migrations), every mail renderer and every background
    # job's runner registered (the outbox worker runs jobs of any kind).
    from .auth import models as _auth  # noqa: F401
    from .bookings import models as _bookings  # noqa: F401
    from .bookings import notifications as _booking_mail  # noqa: F401
    from .core import audit as _audit  # noqa: F401
    from .core import jobs as _jobs  # noqa: F401
    from .core import outbox as _outbox  # noqa: F401
    from .core import settings as _settings  # noqa: F401
    from .days import models as _days  # noqa: F401
    from .districts import models as _districts  # noqa: F401
    from .districts import notifications as _district_mail  # noqa: F401
    from .office import audit_log as _audit_export  # noqa: F401  (the audit_xlsx job)
    from .places import models as _places  # noqa: F401
    from .queue import models as _queue  # noqa: F401
    from .queue import notifications as _queue_mail  # noqa: F401
    from .queue import waitlist as _waitlist  # noqa: F401  (fills freed seats)
    from .reception import models as _reception  # noqa: F401
    from .registry import exports as _registry_exports  # noqa: F401  (registry_* jobs)
    from .registry import models as _registry  # noqa: F401
    from .registry import notifications as _registry_mail  # noqa: F401
