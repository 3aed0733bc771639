# language: ja
@failure @encoding
機能: 壊れた Shift_JIS（MS932）の予定
  予定ファイルは Shift_JIS（MS932）で書かれます。外字、MS932 にないバイト、途中で切れた2バイト文字、
  UTF-8 や UTF-16 で保存されたファイルは、連携基盤を通っても（連携基盤はファイル名しか見ません）
  受け取った事業所の取込で拒否されなければなりません。どの場合も、どのファイルの何行目かが示されます。
  壊し方（罠）と、取込が示すはずの診断コードは、各手順の下の表にあります。罠は fixtures/ の
  同じ ID の事例と同じものを、このシナリオで作った予定に仕込みます。

  背景:
    前提 日時を「2026-11-24T10:00:00+09:00」に固定する
    かつ 連携基盤がデモの世界で動いている
    かつ 「さくら居宅介護支援事業所」は「ひまわり訪問介護ステーション」に利用者3人のサービスを計画している

  シナリオアウトライン: <問題>予定は、受け取った事業所の取込で拒否され、問題の場所が示される
    前提 「さくら居宅介護支援事業所」が「ひまわり訪問介護ステーション」あてに、<問題>「202612」の予定を送っている
      | 罠 | <罠> |
    もし ⑤ 「ひまわり訪問介護ステーション」が届いたファイルをダウンロードする
    かつ ⑥ 「ひまわり訪問介護ステーション」が予定を取り込む
    ならば 取込は拒否され、「UPHOSOKU」の<行>行目が問題の場所として示される
      | 診断 | <診断> |

    @id:fail.sjis.gaiji
    例:
      | 問題 | 罠 | 診断 | 行 |
      | 外字（ユーザー定義文字 F040）が入った | csv.encoding.gaiji | encoding.gaiji | 2 |

    @id:fail.sjis.gaiji-f9
    例:
      | 問題 | 罠 | 診断 | 行 |
      | 外字（ユーザー定義文字 F9FC）が入った | csv.encoding.gaiji-f9 | encoding.gaiji | 2 |

    @id:fail.sjis.invalid-byte-a0
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS にないバイト（0xA0）が入った | csv.encoding.invalid-byte-a0 | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-fd
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS にないバイト（0xFD）が入った | csv.encoding.invalid-byte-fd | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-fe
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS にないバイト（0xFE）が入った | csv.encoding.invalid-byte-fe | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-ff
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS にないバイト（0xFF）が入った | csv.encoding.invalid-byte-ff | encoding.invalid-byte | 2 |

    @id:fail.sjis.invalid-byte-80
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS にないバイト（0x80）が入った | csv.encoding.invalid-byte-80 | encoding.invalid-byte | 2 |

    @id:fail.sjis.truncated-field
    例:
      | 問題 | 罠 | 診断 | 行 |
      | 項目の終わりで2バイト文字が途中で切れている | csv.encoding.truncated-field | encoding.truncated | 2 |

    @id:fail.sjis.truncated-before-comma
    例:
      | 問題 | 罠 | 診断 | 行 |
      | カンマの直前で2バイト文字が途中で切れている | csv.encoding.truncated-before-comma | encoding.truncated | 2 |

    @id:fail.sjis.invalid-sequence
    例:
      | 問題 | 罠 | 診断 | 行 |
      | 2バイト文字の後半が空白に化けた | csv.encoding.invalid-sequence | encoding.invalid-sequence | 2 |

    @id:fail.sjis.unmapped
    例:
      | 問題 | 罠 | 診断 | 行 |
      | MS932 に文字のない符号（8540）が入った | csv.encoding.unmapped | encoding.unmapped | 2 |

    @id:fail.sjis.nul
    例:
      | 問題 | 罠 | 診断 | 行 |
      | 見えない制御文字（NUL）が入った | csv.encoding.nul | encoding.control-char | 2 |

    @id:fail.sjis.utf8
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS ではなく UTF-8 で保存された | csv.encoding.utf8 | encoding.utf8 | 1 |

    @id:fail.sjis.utf8-bom
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS ではなく BOM 付き UTF-8 で保存された | csv.encoding.utf8-bom | encoding.utf8-bom | 1 |

    @id:fail.sjis.utf16le-bom
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS ではなく BOM 付き UTF-16LE で保存された | csv.encoding.utf16le-bom | encoding.utf16 | 1 |

    @id:fail.sjis.utf16be
    例:
      | 問題 | 罠 | 診断 | 行 |
      | Shift_JIS ではなく UTF-16BE で保存された | csv.encoding.utf16be | encoding.utf16 | 1 |
