"""Example import files for content officers, and the script that writes them."""
