# $ENV of the rescue shell in the broken-config boot: prove it is an
# interactive shell on the console, then power off through pm.
echo "RESCUE-SHELL ctty=$(cut -d ' ' -f 7 /proc/$$/stat)"
pm poweroff
