# bash completion for tbserve (installed by `meson install` as
# share/bash-completion/completions/tbserve).
#
# The flags come from `tbserve --help` of the very binary being completed, so
# the list never falls behind the program; values are completed for the
# flags that take a path or one of a few words.

_tbserve() {
  local cur prev bin flags
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  bin=${COMP_WORDS[0]}
  case $prev in
    --logdir|--static_dir)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --event_file)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --format)
      COMPREPLY=($(compgen -W "jsonl csv" -- "$cur")); return ;;
    --load_fast)
      COMPREPLY=($(compgen -W "auto true false" -- "$cur")); return ;;
    --purge_orphaned_data)
      COMPREPLY=($(compgen -W "true false" -- "$cur")); return ;;
    --watch)
      COMPREPLY=($(compgen -W "auto inotify poll" -- "$cur")); return ;;
    --port|--host|--path_prefix|--window_title|--samples_per_plugin|--reload_interval|--threads|--tag|--run|--logdir_spec)
      return ;;
  esac
  if [[ $cur == -* || $COMP_CWORD -gt 1 ]]; then
    flags=$("$bin" --help 2>/dev/null | sed -n 's/^  \(--[a-z_]*\).*/\1/p')
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "serve export --logdir --help" -- "$cur"))
  fi
}
complete -F _tbserve tbserve
