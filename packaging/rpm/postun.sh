# rpm %postun: forget the unit; configuration, logs and /var/lib/impetus stay (rpm has no purge).
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
