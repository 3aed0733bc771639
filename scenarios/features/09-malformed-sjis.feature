# language: ja
@failure @encoding
機能: 壊れた Shift_JIS（MS932）の予定
  予定ファイルは Shift_JIS（MS932）で書かれます。外字、MS932 にないバイト、途中で切れた2バイト文字、
  UTF-8 や UTF-16 で保存されたファイルは、連携基盤を通っても（連携基盤はファイル名しか見ません）
  受け取った事業所の取込で拒否されなければなりません。どの場合も、どのファイルの何行目かが示されます。
  罠は fixtures/ の同じ ID の事例と同じものを、このシナリオで作った予定に仕込みます。

  背景:
    前提 日時を「2026-11-24T10:00:00+09:00」に固定する
    かつ 連携基盤がデモの世界で動いている
    かつ 「さくら居宅介護支援事業所」は「ひまわり訪問介護ステーション」に利用者3人のサービスを計画している

  シナリオアウトライン: 罠（<説明>）を仕込んだ予定は取込で拒否され、場所が示される
    前提 「さくら居宅介護支援事業所」が「ひまわり訪問介護ステーション」あてに、罠「<罠>」を仕込んだ「202612」の予定を送っている
    もし ⑤ 「ひまわり訪問介護ステーション」が届いたファイルをダウンロードする
    かつ ⑥ 「ひまわり訪問介護ステーション」が予定を取り込む
    ならば 取込は診断「<診断>」で拒否され、その場所は「UPHOSOKU」の<行>行目である

    @id:fail.sjis.gaiji
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.gaiji | 外字 F040 | encoding.gaiji | 2 |

    @id:fail.sjis.gaiji-f9
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.gaiji-f9 | 外字 F9FC | encoding.gaiji | 2 |

    @id:fail.sjis.invalid-byte-a0
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-byte-a0 | バイト 0xA0 | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-fd
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-byte-fd | バイト 0xFD | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-fe
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-byte-fe | バイト 0xFE | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-ff
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-byte-ff | バイト 0xFF | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-80
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-byte-80 | バイト 0x80 | encoding.invalid-byte | 2 |

    @id:fail.sjis.truncated-field
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.truncated-field | 項目の終わりで切れた2バイト文字 | encoding.truncated | 2 |

    @id:fail.sjis.truncated-before-comma
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.truncated-before-comma | カンマの直前の第1バイト | encoding.truncated | 2 |

    @id:fail.sjis.invalid-sequence
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.invalid-sequence | 第1バイトの後に空白 | encoding.invalid-sequence | 2 |

    @id:fail.sjis.unmapped
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.unmapped | MS932 に文字のない 8540 | encoding.unmapped | 2 |

    @id:fail.sjis.nul
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.nul | NUL 文字 | encoding.control-char | 2 |

    @id:fail.sjis.utf8
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.utf8 | ファイル全体が UTF-8 | encoding.utf8 | 1 |

    @id:fail.sjis.utf8-bom
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.utf8-bom | BOM 付き UTF-8 | encoding.utf8-bom | 1 |

    @id:fail.sjis.utf16le-bom
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.utf16le-bom | BOM 付き UTF-16LE | encoding.utf16 | 1 |

    @id:fail.sjis.utf16be
    例:
      | 罠 | 説明 | 診断 | 行 |
      | csv.encoding.utf16be | UTF-16BE | encoding.utf16 | 1 |
