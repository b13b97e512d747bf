# rpm %post: user, directories and first certificate, then let systemd see the unit.
/usr/lib/impetus/impetus-setup
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl enable impetus.service >/dev/null 2>&1 || :
    else
        systemctl try-restart impetus.service >/dev/null 2>&1 || :
    fi
fi
