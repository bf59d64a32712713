from target87.cli import main

main()
