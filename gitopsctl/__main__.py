from gitopsctl.cli import main

main()
